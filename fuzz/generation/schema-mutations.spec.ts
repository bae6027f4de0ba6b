import fc from 'fast-check';
import { schemaViolations } from '../schema-conformance';
import { toJsonText } from './hostile-values';
import { mutatedValue, outOfRangeValue } from './schema-mutations';
import { NEW_THING, outsideConstraints, VALUE_CONTEXT as context } from './schema-values.fixture';
import type { JsonSchema } from '../openapi-document';

describe('outOfRangeValue', () => {
  it('never draws a number inside the bounds (a valid one could be a minute of latency)', () => {
    const schema: JsonSchema = { type: 'integer', minimum: 0, maximum: 60_000 };
    fc.assert(
      fc.property(outOfRangeValue(schema), (value) => {
        const n = value as number;
        expect(n < 0 || n > 60_000 || !Number.isInteger(n)).toBe(true);
      }),
      { seed: 4, numRuns: 500 },
    );
  });
});

describe('mutatedValue', () => {
  const sample = fc.sample(mutatedValue(NEW_THING, context, ['customerId']), { seed: 5, numRuns: 400 });

  it('draws every kind of mutation', () => {
    expect(new Set(sample.map((m) => m.mutation))).toEqual(
      new Set(['missing', 'wrong-type', 'out-of-range', 'extra-field', 'unicode', 'huge', 'nested', 'proto']),
    );
  });

  it('gives a value of the wrong type where it says so', () => {
    for (const { value } of sample.filter((m) => m.mutation === 'wrong-type'))
      expect(schemaViolations(value, NEW_THING).length > 0 || outsideConstraints(value, NEW_THING)).toBe(
        true,
      );
  });

  it('slips in the extra fields it is given, and prototype keys as own keys', () => {
    const texts = sample.map(({ value }) => toJsonText(value));
    expect(texts.some((t) => t.includes('"customerId":'))).toBe(true);
    expect(texts.some((t) => t.includes('"__proto__":'))).toBe(true);
  });
});
