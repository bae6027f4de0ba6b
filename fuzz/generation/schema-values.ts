import fc from 'fast-check';
import type { JsonSchema } from '../openapi-document';
import { anyJson } from './hostile-values';

/** What valid values are drawn from besides the schema itself. */
export interface ValueContext {
  /** Real values by field name (`sku` → the catalog's SKUs): valid values of a field so named use them. */
  fieldValues: ReadonlyMap<string, readonly string[]>;
  /**
   * Upper bounds for valid values of numeric fields by name, tighter than the schema's: values that are
   * valid but would only slow the API down on purpose (fault injection latency).
   */
  valueCaps: Readonly<Record<string, number>>;
}

const MAX_ARRAY = 3;

/**
 * Values the document accepts for `schema` (the API may still refuse what the schema cannot say).
 * `examples` leans on documented examples and real values wherever a field has them, so that most
 * such values also pass the checks the document does not describe (a card number's checksum).
 */
export function validValue(
  schema: JsonSchema,
  context: ValueContext,
  name = '',
  bias: 'schema' | 'examples' = 'schema',
): fc.Arbitrary<unknown> {
  const value = nonNullValidValue(schema, context, name, bias);
  return schema.nullable
    ? fc.oneof({ weight: 5, arbitrary: value }, { weight: 1, arbitrary: fc.constant(null) })
    : value;
}

function nonNullValidValue(
  schema: JsonSchema,
  context: ValueContext,
  name: string,
  bias: 'schema' | 'examples',
): fc.Arbitrary<unknown> {
  if (schema.enum?.length) return fc.constantFrom(...schema.enum);
  const known = context.fieldValues.get(name);
  const examples = [schema.example, schema.default].filter((v) => v !== undefined && isPrimitive(v));
  const choices: Array<fc.WeightedArbitrary<unknown>> = [];
  if (known?.length) choices.push({ weight: 6, arbitrary: fc.constantFrom(...known) });
  if (examples.length) choices.push({ weight: 4, arbitrary: fc.constantFrom(...examples) });
  if (!choices.length || bias === 'schema')
    choices.push({ weight: 2, arbitrary: genericValidValue(schema, context, name, bias) });
  return choices.length === 1 ? choices[0].arbitrary : fc.oneof(...choices);
}

function genericValidValue(
  schema: JsonSchema,
  context: ValueContext,
  name: string,
  bias: 'schema' | 'examples',
): fc.Arbitrary<unknown> {
  switch (schema.type ?? (schema.properties ? 'object' : undefined)) {
    case 'object': {
      const properties = Object.entries(schema.properties ?? {});
      if (!properties.length) return fc.constant({});
      return fc.record(
        Object.fromEntries(
          properties.map(([key, property]) => [key, validValue(property, context, key, bias)]),
        ),
        { requiredKeys: (schema.required ?? []).filter((key) => schema.properties?.[key]) },
      );
    }
    case 'array': {
      const minLength = schema.minItems ?? 0;
      return fc.array(validValue(schema.items ?? {}, context, name, bias), {
        minLength,
        maxLength: Math.max(minLength, Math.min(schema.maxItems ?? MAX_ARRAY, MAX_ARRAY)),
      });
    }
    case 'string':
      return validString(schema);
    case 'integer':
    case 'number': {
      const min = schema.minimum ?? -1_000_000;
      const max = Math.max(min, Math.min(schema.maximum ?? 1_000_000, context.valueCaps[name] ?? Infinity));
      const integers = fc.integer({ min: Math.ceil(min), max: Math.floor(max) });
      // Nest documents class-validator's @IsInt() as "number": mostly integers, so such fields pass too.
      return schema.type === 'integer'
        ? integers
        : fc.oneof(
            { weight: 4, arbitrary: integers },
            { weight: 1, arbitrary: fc.double({ min, max, noNaN: true }) },
          );
    }
    case 'boolean':
      return fc.boolean();
    default:
      return anyJson();
  }
}

function validString(schema: JsonSchema): fc.Arbitrary<string> {
  if (schema.format === 'uuid') return fc.uuid();
  if (schema.format === 'date-time')
    return fc
      .date({
        min: new Date('2000-01-01T00:00:00Z'),
        max: new Date('2100-01-01T00:00:00Z'),
        noInvalidDate: true,
      })
      .map((d) => d.toISOString());
  if (schema.pattern) return fc.stringMatching(new RegExp(schema.pattern));
  return fc.string({ minLength: schema.minLength ?? 1, maxLength: schema.maxLength ?? 40 });
}

const isPrimitive = (v: unknown) => v === null || ['string', 'number', 'boolean'].includes(typeof v);

/** A deterministic valid value: examples, defaults, first enum values, known field values by index. */
export function exampleValue(schema: JsonSchema, context: ValueContext, name = '', index = 0): unknown {
  if (schema.enum?.length) return schema.enum[0];
  const known = context.fieldValues.get(name);
  if (known?.length) return known[index % known.length];
  if (schema.example !== undefined && isPrimitive(schema.example)) return schema.example;
  if (schema.default !== undefined) return schema.default;
  switch (schema.type ?? (schema.properties ? 'object' : undefined)) {
    case 'object':
      return Object.fromEntries(
        (schema.required ?? []).map((key) => [
          key,
          exampleValue(schema.properties?.[key] ?? {}, context, key, index),
        ]),
      );
    case 'array':
      return [exampleValue(schema.items ?? {}, context, name, index)];
    case 'integer':
    case 'number':
      return schema.minimum ?? 1;
    case 'boolean':
      return false;
    default:
      return 'x';
  }
}
