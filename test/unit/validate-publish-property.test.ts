import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { schemaCheck, surelyValidBody } from '../../src/events/validate-publish.js';

// The publish path skips Joi for bodies its hand check surely accepts. Generated bodies, valid and nearly
// valid (a field too long, of another type, missing, unknown, empty), hold it to that: whatever the hand check
// accepts, the schema accepts too.

const anyValue = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constant(undefined),
  fc.string({ maxLength: 3 }),
  fc.integer(),
);
const maybeString = (min: number, max: number) =>
  fc.oneof(
    fc.string({ minLength: min, maxLength: max }),
    fc.string({ minLength: max + 1, maxLength: max + 3 }),
    fc.constant(''),
    anyValue,
  );
const validEvent = fc.record(
  {
    type: fc.constantFrom('CONFIG_UPDATED', 'FEATURE_CREATED'),
    key: fc.string({ minLength: 1, maxLength: 30 }),
    domain: fc.constantFrom('Config', 'Feature'),
    payload: fc.jsonValue({ maxDepth: 2 }),
    oldValue: fc.jsonValue({ maxDepth: 2 }),
  },
  { requiredKeys: ['type', 'key', 'payload'] },
);
const nearEvent = fc.record(
  {
    type: fc.oneof(fc.constantFrom('CONFIG_UPDATED', 'FEATURE_CREATED'), maybeString(1, 20)),
    key: maybeString(1, 1024),
    domain: fc.oneof(fc.constantFrom('Config', 'Feature'), maybeString(1, 10)),
    payload: anyValue,
    oldValue: anyValue,
    extra: anyValue,
  },
  { requiredKeys: [] },
);
const event = fc.oneof(validEvent, nearEvent);
const author = fc.oneof(
  fc.record({ name: fc.string({ maxLength: 256 }), email: fc.string({ maxLength: 256 }) }),
  fc.record({ name: maybeString(0, 256), email: maybeString(0, 256), other: anyValue }, { requiredKeys: [] }),
  anyValue,
);
const commit = fc.record(
  {
    author,
    events: fc.oneof(
      fc.array(validEvent, { minLength: 1, maxLength: 4 }),
      fc.array(event, { maxLength: 4 }),
      anyValue,
    ),
    other: anyValue,
  },
  { requiredKeys: ['events'] },
);
// JSON bodies have no undefined members: drop them, as JSON.parse would never produce them.
const asJson = (value: unknown): unknown => (value === undefined ? null : JSON.parse(JSON.stringify(value)));

describe('publish validation: the hand check never accepts what the schema refuses', () => {
  it('holds for generated events and commits', () => {
    let accepted = 0;
    fc.assert(
      fc.property(fc.oneof(event, commit, anyValue), (generated) => {
        const body = asJson(generated);
        if (!surelyValidBody(body)) return;
        accepted++;
        const { error } = schemaCheck(body);
        assert.equal(error, undefined, `the hand check accepted what Joi refuses: ${JSON.stringify(body)}`);
      }),
      { numRuns: 3000 },
    );
    assert.ok(accepted > 100, `the generator reached the hand check's accepting side (${accepted} bodies)`);
  });
});
