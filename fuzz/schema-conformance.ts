import type { JsonSchema } from './openapi-document';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_VIOLATIONS = 5;

/**
 * Where `value` differs from the (resolved) schema an answer is documented with: types, `nullable`,
 * `required`, `enum`, and the `uuid` and `date-time` formats. Extra properties are allowed.
 */
export function schemaViolations(value: unknown, schema: JsonSchema, path = 'body'): string[] {
  const violations: string[] = [];
  visit(value, schema, path, violations);
  return violations.slice(0, MAX_VIOLATIONS);
}

function visit(value: unknown, schema: JsonSchema, path: string, out: string[]): void {
  if (out.length >= MAX_VIOLATIONS) return;
  if (value === null) {
    if (!schema.nullable && schema.type)
      out.push(`${path} is null, documented as a non-nullable ${schema.type}`);
    return;
  }
  const type = schema.type ?? (schema.properties ? 'object' : undefined);
  if (type && !hasType(value, type)) {
    out.push(`${path} is ${describeType(value)}, documented as ${type}`);
    return;
  }
  if (schema.enum && !schema.enum.includes(value))
    out.push(`${path} is ${JSON.stringify(value)}, not one of the documented values`);
  if (typeof value === 'string') {
    if (schema.format === 'uuid' && !UUID.test(value)) out.push(`${path} is not a uuid`);
    if (schema.format === 'date-time' && Number.isNaN(Date.parse(value)))
      out.push(`${path} is not a date-time`);
  }
  if (Array.isArray(value) && schema.items)
    value.forEach((item, i) => visit(item, schema.items!, `${path}.${i}`, out));
  if (type === 'object' && value && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    for (const key of schema.required ?? [])
      if (record[key] === undefined) out.push(`${path}.${key} is missing, documented as required`);
    for (const [key, property] of Object.entries(schema.properties ?? {}))
      if (record[key] !== undefined) visit(record[key], property, `${path}.${key}`, out);
  }
}

function hasType(value: unknown, type: NonNullable<JsonSchema['type']>): boolean {
  switch (type) {
    case 'object':
      return typeof value === 'object' && !Array.isArray(value);
    case 'array':
      return Array.isArray(value);
    case 'integer':
      return Number.isInteger(value);
    case 'number':
      return typeof value === 'number';
    default:
      return typeof value === type;
  }
}

const describeType = (value: unknown) =>
  Array.isArray(value) ? 'an array' : typeof value === 'object' ? 'an object' : `a ${typeof value}`;
