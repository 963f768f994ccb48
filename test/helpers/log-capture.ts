import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../src/logging/logger.js';
import { runLog } from './run-record.js';

/**
 * A real winston logger whose JSON lines are kept in memory, for tests that read the logs; during `npm test`
 * they also go to the run's log directory (run-record.ts), where the end-of-run scan looks for secrets.
 */
export function captureLogs(level = 'debug', source = 'in-process'): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const file = runLog(source);
  const stream = new Writable({
    write(chunk, _enc, done) {
      const added = String(chunk).split('\n').filter(Boolean);
      lines.push(...added);
      for (const line of added) file.write(line);
      done();
    },
  });
  return { logger: createLogger({ level, stream }), lines };
}
