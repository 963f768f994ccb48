import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ReplyError } from 'ioredis';
import maxRetriesModule from 'ioredis/built/errors/MaxRetriesPerRequestError.js';
import { isRedisUnavailable } from '../../src/errors/redis-unavailable.js';

// CONTRACT / issue: while Redis is down, publishes fail fast with 503 (retry), not 500. The errors below are
// the ones ioredis and Node actually raise (messages taken from ioredis' sources and Node's system errors).

const MaxRetriesPerRequestError = maxRetriesModule.default;

function systemError(message: string, code: string): Error {
  return Object.assign(new Error(message), { code, errno: -1, syscall: message.split(' ')[0] });
}

describe('isRedisUnavailable', () => {
  const unavailable: [string, Error][] = [
    ['a closed connection', new Error('Connection is closed.')],
    [
      'the offline queue disabled',
      new Error("Stream isn't writeable and enableOfflineQueue options is false"),
    ],
    ['a command timeout', new Error('Command timed out')],
    ['retries exhausted', new MaxRetriesPerRequestError(20)],
    ['a refused connection', systemError('connect ECONNREFUSED 127.0.0.1:6379', 'ECONNREFUSED')],
    ['a reset connection', systemError('read ECONNRESET', 'ECONNRESET')],
    ['a broken pipe', systemError('write EPIPE', 'EPIPE')],
    ['a connect timeout', systemError('connect ETIMEDOUT', 'ETIMEDOUT')],
    ['Redis loading its AOF', new ReplyError('LOADING Redis is loading the dataset in memory')],
  ];
  for (const [what, err] of unavailable) {
    it(`is true for ${what}`, () => {
      assert.equal(isRedisUnavailable(err), true);
    });
  }

  it('recognises retries exhausted by name, whatever the message', () => {
    const err = new Error('something else');
    err.name = 'MaxRetriesPerRequestError';
    assert.equal(isRedisUnavailable(err), true);
  });

  const other: [string, unknown][] = [
    ['a wrong command', new ReplyError('ERR wrong number of arguments for command')],
    ['a wrong type', new ReplyError('WRONGTYPE Operation against a key holding the wrong kind of value')],
    ['an unknown script', new ReplyError('NOSCRIPT No matching script. Please use EVAL.')],
    [
      'a script error',
      new ReplyError('ERR user_script:1: Script attempted to access nonexistent global variable'),
    ],
    ['a programming error', new TypeError("Cannot read properties of undefined (reading 'x')")],
    ['LOADING in the middle of a message', new Error('ERR key LOADING is missing')],
    ['a string mentioning ECONNREFUSED', 'connect ECONNREFUSED'],
    ['an object with the message', { message: 'Connection is closed.' }],
    ['null', null],
    ['undefined', undefined],
  ];
  for (const [what, err] of other) {
    it(`is false for ${what}`, () => {
      assert.equal(isRedisUnavailable(err), false);
    });
  }
});
