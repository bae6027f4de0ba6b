import fc from 'fast-check';
import type { ParameterObject } from '../openapi-document';
import { unicodeString } from './hostile-values';
import { outOfRangeValue, wrongTypeValue } from './schema-mutations';
import { validValue } from './schema-values';
import { plain, weighted, type Dimension, type GenerationContext, type Part, type Query } from './dimension';

/** Sent as they are: broken percent-encoding and bracket syntax some query parsers expand. */
const MALFORMED_QUERY: ReadonlyArray<[string, string]> = [
  ['%zz', '1'],
  ['a', '%'],
  ['x[y][z]', '1'],
  ['x', '%00'],
  ['%', '%'],
  ['a', 'b=c'],
  ['limit', '%FF'],
];

export function queryDimension(parameters: ParameterObject[], context: GenerationContext): Dimension<Query> {
  const entry = (name: string, value: unknown) => ({ name, value: asText(value) });
  const validFor = (parameter: ParameterObject): Part<Query> => {
    const schema = parameter.schema ?? { type: 'string' };
    return weighted<Query>(
      [1, plain(fc.constant([]))],
      [
        1,
        plain(
          validValue(schema, context, parameter.name).map((v) => [entry(parameter.name, v)]),
          'query:valid',
        ),
      ],
    );
  };
  const brokenFor = (parameter: ParameterObject): Part<Query> => {
    const schema = parameter.schema ?? { type: 'string' };
    return weighted<Query>(
      [
        3,
        plain(
          outOfRangeValue(schema).map((v) => [entry(parameter.name, v)]),
          'query:out-of-range',
        ),
      ],
      [
        2,
        plain(
          wrongTypeValue(schema).map((v) => [entry(parameter.name, v)]),
          'query:wrong-type',
        ),
      ],
      [
        1,
        plain(
          fc
            .array(validValue(schema, context, parameter.name), { minLength: 2, maxLength: 3 })
            .map((values) => values.map((v) => entry(parameter.name, v))),
          'query:array',
        ),
      ],
      [1, plain(fc.constant([{ name: `${parameter.name}[]`, value: '1' }]), 'query:array')],
    );
  };
  const extra = weighted<Query>(
    [
      2,
      plain(
        fc
          .tuple(
            fc.oneof(fc.constantFrom(...context.extraQueryParameters), unicodeString(12)),
            unicodeString(),
          )
          .map(([name, value]) => [{ name, value }]),
        'query:unknown',
      ),
    ],
    [
      1,
      plain(
        fc.constantFrom(...MALFORMED_QUERY).map(([name, value]) => [{ name, value, encoded: true }]),
        'query:malformed',
      ),
    ],
  );
  const join = (chosen: Array<{ value: Query; families: string[] }>) => ({
    value: chosen.flatMap((p) => p.value),
    families: chosen.flatMap((p) => p.families),
  });
  const valid = fc.tuple(...parameters.map(validFor)).map(join);
  const brokenParameter = parameters.length
    ? fc
        .nat(parameters.length - 1)
        .chain((at) =>
          fc.tuple(...parameters.map((p, i) => (i === at ? brokenFor(p) : validFor(p)))).map(join),
        )
    : undefined;
  const withExtra = fc.tuple(valid, extra).map(join);
  return { valid, broken: brokenParameter ? weighted([2, brokenParameter], [1, withExtra]) : withExtra };
}

function asText(value: unknown): string {
  return typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
}
