import { SAMPLE_DOCUMENT } from '../openapi-document.fixture';
import { schemaResolver, type JsonSchema } from '../openapi-document';
import type { ValueContext } from './schema-values';

export const NEW_THING = schemaResolver(SAMPLE_DOCUMENT)({ $ref: '#/components/schemas/NewThing' });
export const VALUE_CONTEXT: ValueContext = {
  fieldValues: new Map([['name', ['Gadget', 'Gizmo']]]),
  valueCaps: { delayMs: 20 },
};

export /** What schemaViolations does not check: string patterns, bounds, array sizes. */
function outsideConstraints(value: unknown, schema: JsonSchema): boolean {
  if (typeof value === 'string' && schema.pattern) return !new RegExp(schema.pattern).test(value);
  if (typeof value === 'number')
    return value < (schema.minimum ?? -Infinity) || value > (schema.maximum ?? Infinity);
  if (Array.isArray(value))
    return (
      value.length < (schema.minItems ?? 0) ||
      value.length > (schema.maxItems ?? Infinity) ||
      value.some((item) => outsideConstraints(item, schema.items ?? {}))
    );
  if (value && typeof value === 'object')
    return Object.entries(value).some(([key, v]) => outsideConstraints(v, schema.properties?.[key] ?? {}));
  return false;
}
