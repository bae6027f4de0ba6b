import fc from 'fast-check';
import { schemaViolations } from '../schema-conformance';
import { RawJson, toJsonText } from './hostile-values';
import { exampleValue, validValue } from './schema-values';
import { NEW_THING, outsideConstraints, VALUE_CONTEXT as context } from './schema-values.fixture';

describe('validValue', () => {
  it.each(['schema', 'examples'] as const)('draws only values the schema accepts (%s bias)', (bias) => {
    fc.assert(
      fc.property(validValue(NEW_THING, context, '', bias), (value) => {
        expect(schemaViolations(value, NEW_THING)).toEqual([]);
        expect(outsideConstraints(value, NEW_THING)).toBe(false);
      }),
      { seed: 1, numRuns: 300 },
    );
  });

  it('keeps capped fields under their cap, and uses real values of fields it knows', () => {
    const values = fc.sample(validValue(NEW_THING, context), { seed: 2, numRuns: 300 }) as Array<
      Record<string, unknown>
    >;
    expect(values.every((v) => v.delayMs === undefined || (v.delayMs as number) <= 20)).toBe(true);
    expect(values.some((v) => v.name === 'Gadget')).toBe(true);
  });

  it('is the same for the same seed', () => {
    const draw = () => fc.sample(validValue(NEW_THING, context), { seed: 3, numRuns: 20 });
    expect(draw()).toEqual(draw());
  });
});

describe('exampleValue', () => {
  it('builds the required fields from examples, enums and known values', () => {
    expect(exampleValue(NEW_THING, context, '', 1)).toEqual({ name: 'Gizmo', count: 2, kind: 'a' });
  });
});

describe('toJsonText', () => {
  it('writes raw JSON text where JSON.stringify would recurse too deep', () => {
    const deep = new RawJson(`${'['.repeat(100_000)}${']'.repeat(100_000)}`);
    const text = toJsonText({ a: deep, b: 'x' });
    expect(text.startsWith('{"a":[[[')).toBe(true);
    expect(text.endsWith(']]],"b":"x"}')).toBe(true);
  });
});
