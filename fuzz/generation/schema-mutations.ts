import fc from 'fast-check';
import type { JsonSchema } from '../openapi-document';
import { anyJson, hugeString, nastyNumber, nestedJunk, unicodeString, withOwnKey } from './hostile-values';
import { validValue, type ValueContext } from './schema-values';

/** A value of another JSON type than `schema` says. */
export function wrongTypeValue(schema: JsonSchema): fc.Arbitrary<unknown> {
  const type = schema.type ?? (schema.properties ? 'object' : 'string');
  const others: Array<fc.Arbitrary<unknown>> = [fc.constant(null)];
  if (type !== 'string') others.push(fc.constantFrom('1', 'true', '', 'x', '{}'));
  if (type !== 'number' && type !== 'integer') others.push(nastyNumber());
  if (type !== 'boolean') others.push(fc.boolean());
  if (type !== 'array') others.push(fc.constantFrom([], [1], ['a', null]));
  if (type !== 'object') others.push(fc.constantFrom({}, { value: 1 }));
  return fc.oneof(...others);
}

/** A value of the right type that the schema refuses (for numbers: always outside its bounds). */
export function outOfRangeValue(schema: JsonSchema): fc.Arbitrary<unknown> {
  switch (schema.type) {
    case 'integer':
    case 'number': {
      // Never a value inside the bounds: a valid one may do what valueCaps keeps out (a minute of latency).
      const { minimum: min = -Infinity, maximum: max = Infinity } = schema;
      if (min === -Infinity && max === Infinity && schema.type === 'number') return nastyNumber(); // nothing is out
      const outside = (v: number) =>
        v < min || v > max || (schema.type === 'integer' && !Number.isInteger(v));
      const edges = [min - 1, min - 0.5, max + 1, max + 0.5].filter(Number.isFinite);
      if (schema.type === 'integer') edges.push(Number.isFinite(min) ? min + 0.5 : 0.5);
      return fc.oneof(...(edges.length ? [fc.constantFrom(...edges)] : []), nastyNumber().filter(outside));
    }
    case 'string':
      return fc.oneof(
        fc.constantFrom('', ' ', 'x'.repeat((schema.maxLength ?? 255) + 1)),
        unicodeString(),
        hugeString(),
      );
    case 'array':
      return fc.oneof(
        fc.constant([]),
        fc.array(anyJson(), {
          minLength: (schema.maxItems ?? 50) + 1,
          maxLength: (schema.maxItems ?? 50) + 5,
        }),
      );
    default:
      return anyJson();
  }
}

/** Every path of a JSON value (`[]` is the value itself), for mutations. */
export function pathsOf(value: unknown, prefix: Array<string | number> = []): Array<Array<string | number>> {
  const own = [prefix];
  if (Array.isArray(value)) return own.concat(...value.map((item, i) => pathsOf(item, [...prefix, i])));
  if (value && typeof value === 'object')
    return own.concat(...Object.entries(value).map(([key, item]) => pathsOf(item, [...prefix, key])));
  return own;
}

/** The schema of the value at `path`, as far as the schema describes it. */
export function schemaAt(schema: JsonSchema, path: ReadonlyArray<string | number>): JsonSchema {
  let current: JsonSchema | undefined = schema;
  for (const step of path) {
    current = typeof step === 'number' ? current?.items : current?.properties?.[step];
    if (!current) return {};
  }
  return current;
}

/** Returns `value` with the value at `path` replaced (`undefined`: removed). */
export function replaceAt(
  value: unknown,
  path: ReadonlyArray<string | number>,
  replacement: unknown,
): unknown {
  if (!path.length) return replacement;
  const [head, ...rest] = path;
  if (Array.isArray(value)) {
    const copy = [...value];
    if (replacement === undefined && !rest.length) copy.splice(Number(head), 1);
    else copy[Number(head)] = replaceAt(copy[Number(head)], rest, replacement);
    return copy;
  }
  const copy = { ...(value as Record<string, unknown>) };
  if (replacement === undefined && !rest.length) delete copy[head];
  else copy[head] = replaceAt(copy[head], rest, replacement);
  return copy;
}

export type Mutation =
  'missing' | 'wrong-type' | 'out-of-range' | 'extra-field' | 'unicode' | 'huge' | 'nested' | 'proto';

/**
 * A valid value of `schema` with one thing wrong: a field removed, of the wrong type, out of range,
 * replaced by unicode, huge or deeply nested junk, or an extra field (`customerId` among them: the
 * customer comes from the token, never from the body) — the mutation's name says which.
 */
export function mutatedValue(
  schema: JsonSchema,
  context: ValueContext,
  extraFields: readonly string[],
): fc.Arbitrary<{ value: unknown; mutation: Mutation }> {
  return validValue(schema, context, '', 'examples').chain((valid) => {
    const paths = pathsOf(valid);
    const objectPaths = paths.filter((p) => isObject(getAt(valid, p)));
    const at = <T>(
      candidates: Array<Array<string | number>>,
      make: (path: Array<string | number>) => fc.Arbitrary<T>,
    ) => fc.constantFrom(...candidates).chain(make);
    const mutations: Array<fc.Arbitrary<{ value: unknown; mutation: Mutation }>> = [
      at(paths, (p) =>
        wrongTypeValue(schemaAt(schema, p)).map((v) => ({
          value: replaceAt(valid, p, v),
          mutation: 'wrong-type' as const,
        })),
      ),
      at(paths, (p) =>
        outOfRangeValue(schemaAt(schema, p)).map((v) => ({
          value: replaceAt(valid, p, v),
          mutation: 'out-of-range' as const,
        })),
      ),
      at(paths, (p) =>
        unicodeString().map((v) => ({ value: replaceAt(valid, p, v), mutation: 'unicode' as const })),
      ),
      at(paths, (p) =>
        hugeString().map((v) => ({ value: replaceAt(valid, p, v), mutation: 'huge' as const })),
      ),
      at(paths, (p) =>
        nestedJunk().map((v) => ({ value: replaceAt(valid, p, v), mutation: 'nested' as const })),
      ),
    ];
    const removable = paths.filter((p) => p.length > 0);
    if (removable.length)
      mutations.push(
        at(removable, (p) =>
          fc.constant({ value: replaceAt(valid, p, undefined), mutation: 'missing' as const }),
        ),
      );
    if (objectPaths.length) {
      mutations.push(
        at(objectPaths, (p) =>
          fc
            .tuple(fc.oneof(fc.constantFrom(...extraFields), unicodeString(16)), anyJson())
            .map(([key, v]) => ({
              value: replaceAt(valid, p, { ...(getAt(valid, p) as object), [key]: v }),
              mutation: 'extra-field' as const,
            })),
        ),
        at(objectPaths, (p) =>
          fc.constantFrom('__proto__', 'constructor', 'prototype').map((key) => ({
            value: replaceAt(
              valid,
              p,
              withOwnKey(getAt(valid, p) as Record<string, unknown>, key, { polluted: true }),
            ),
            mutation: 'proto' as const,
          })),
        ),
      );
    }
    return fc.oneof(...mutations);
  });
}

function getAt(value: unknown, path: ReadonlyArray<string | number>): unknown {
  return path.reduce<unknown>(
    (current, step) => (current as Record<string | number, unknown>)?.[step],
    value,
  );
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  !!v && typeof v === 'object' && !Array.isArray(v);
