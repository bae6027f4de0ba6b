import fc from 'fast-check';
import type { PathPart } from '../fuzz-request';
import type { JsonSchema, ParameterObject } from '../openapi-document';
import { unicodeString } from './hostile-values';
import { validValue } from './schema-values';
import { plain, weighted, type Dimension, type GenerationContext, type Part } from './dimension';

/** Sent as they are: encodings that decode to separators, NUL, dot segments or broken UTF-8. */
const PERCENT_TRICKS = [
  '%00',
  '%2F',
  'a%2Fb',
  '%252F',
  '%zz',
  '%',
  '%E0%A4%A',
  '%C0%AF',
  '%2e%2e',
  '..',
  '.',
  '%F0%9F%99%88',
  '%20',
  '%0A',
  '%FF%FE',
  '%ED%A0%80',
];

export function pathDimension(
  template: string,
  parameters: ParameterObject[],
  context: GenerationContext,
): Dimension<PathPart[]> {
  const pieces = template.split(/(\{[^}]+\})/).filter((p) => p !== '');
  const parts = pieces.map((piece, i): Dimension<PathPart> => {
    const name = /^\{([^}]+)\}$/.exec(piece)?.[1];
    if (!name) return { valid: plain(fc.constant({ literal: piece })) };
    const collection = /([^/]+)\/$/.exec(pieces[i - 1] ?? '')?.[1] ?? '';
    const poolName = `${collection}.${name}`;
    const pool = context.pools.get(poolName) ?? [];
    const schema: JsonSchema = parameters.find((p) => p.name === name)?.schema ?? { type: 'string' };
    const value = (arbitrary: fc.Arbitrary<string>, family: string, encoded = false): Part<PathPart> =>
      plain(
        arbitrary.map((v) => ({ value: v, encoded })),
        family,
      );
    const schemaValid = value(validValue(schema, context, name).map(String), 'path:schema-valid');
    return {
      valid: pool.length
        ? weighted<PathPart>(
            [
              5,
              plain(
                fc.nat(pool.length - 1).map((index) => ({ pool: poolName, index })),
                'path:real',
              ),
            ],
            [1, schemaValid],
          )
        : schemaValid,
      broken: weighted<PathPart>(
        [3, value(fc.uuid(), 'path:random-uuid')],
        [
          3,
          value(
            unicodeString().filter((v) => v !== ''),
            'path:unicode',
          ),
        ],
        [1, value(fc.constantFrom('1', '-1', '0', 'null', 'undefined', '1e309'), 'path:non-uuid')],
        [
          1,
          value(
            fc.constantFrom(65, 101, 2_000, 10_000).map((n) => 'a'.repeat(n)),
            'path:long',
          ),
        ],
        [3, value(fc.constantFrom(...PERCENT_TRICKS), 'path:percent-encoding', true)],
        [1, value(fc.constant(''), 'path:empty')],
      ),
    };
  });
  const join = (chosen: Array<{ value: PathPart; families: string[] }>) => ({
    value: chosen.map((p) => p.value),
    families: chosen.flatMap((p) => p.families),
  });
  const brokenAt = parts.flatMap((part, i) => (part.broken ? [i] : []));
  return {
    valid: fc.tuple(...parts.map((p) => p.valid)).map(join),
    broken: brokenAt.length
      ? fc
          .constantFrom(...brokenAt)
          .chain((at) => fc.tuple(...parts.map((p, i) => (i === at ? p.broken! : p.valid))).map(join))
      : undefined,
  };
}
