/** The part of an OpenAPI 3 document the fuzzer reads (what @nestjs/swagger writes). */
export interface JsonSchema {
  $ref?: string;
  type?: 'object' | 'array' | 'string' | 'number' | 'integer' | 'boolean';
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  allOf?: JsonSchema[];
  /** OpenAPI 3.1's "or null" (`[schema, { type: 'null' }]`): read as `nullable` by `schemaResolver`. */
  anyOf?: JsonSchema[];
  nullable?: boolean;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  pattern?: string;
  format?: string;
  example?: unknown;
  default?: unknown;
}

export interface ParameterObject {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: JsonSchema;
}

interface ResponseObject {
  content?: Record<string, { schema?: JsonSchema }>;
}

interface OperationObject {
  parameters?: ParameterObject[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: JsonSchema }> };
  responses?: Record<string, ResponseObject>;
  security?: Array<Record<string, string[]>>;
}

export interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, OperationObject>>;
  components?: { schemas?: Record<string, JsonSchema> };
  security?: Array<Record<string, string[]>>;
}

/** One route and method of the document, with every `$ref` resolved. */
export interface Operation {
  /** `GET /orders/{id}`: how reports and coverage name it. */
  key: string;
  method: string;
  /** The path template, e.g. `/orders/{id}`. */
  path: string;
  pathParameters: ParameterObject[];
  queryParameters: ParameterObject[];
  headerParameters: ParameterObject[];
  /** The JSON request body's schema, when the operation takes one. */
  body?: { schema: JsonSchema; required: boolean };
  /** Needs a bearer token. */
  secured: boolean;
  /** Every status the document lists. */
  statuses: number[];
  /** Statuses whose answer the document says is JSON, with its schema. */
  jsonResponses: Map<number, JsonSchema>;
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];
const JSON_MEDIA_TYPE = /^application\/([\w.+-]+\+)?json$/i;

/** Every operation of `document`, in the document's order. */
export function operationsOf(document: OpenApiDocument): Operation[] {
  if (!document?.paths || !String(document.openapi).startsWith('3.'))
    throw new Error('not an OpenAPI 3 document');
  const resolve = schemaResolver(document);
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => METHODS.includes(method))
      .map(([method, operation]): Operation => {
        const parameters = (operation.parameters ?? []).map((p) => ({
          ...p,
          schema: p.schema && resolve(p.schema),
        }));
        const bodyContent = Object.entries(operation.requestBody?.content ?? {}).find(([type]) =>
          JSON_MEDIA_TYPE.test(type),
        );
        const security = operation.security ?? document.security ?? [];
        return {
          key: `${method.toUpperCase()} ${path}`,
          method: method.toUpperCase(),
          path,
          pathParameters: parameters.filter((p) => p.in === 'path'),
          queryParameters: parameters.filter((p) => p.in === 'query'),
          headerParameters: parameters.filter((p) => p.in === 'header'),
          body: bodyContent?.[1].schema && {
            schema: resolve(bodyContent[1].schema),
            required: operation.requestBody?.required ?? false,
          },
          statuses: Object.keys(operation.responses ?? {})
            .map(Number)
            .filter(Number.isInteger),
          secured: security.some((requirement) => Object.keys(requirement).length > 0),
          jsonResponses: new Map(
            Object.entries(operation.responses ?? {}).flatMap(([status, response]) => {
              const json = Object.entries(response.content ?? {}).find(([type]) =>
                JSON_MEDIA_TYPE.test(type),
              );
              return /^\d{3}$/.test(status) && json ? [[Number(status), resolve(json[1].schema ?? {})]] : [];
            }),
          ),
        };
      }),
  );
}

/**
 * OpenAPI 3.1 says "or null" with a list of types (`type: ['string', 'null']`) or, around a reference,
 * `anyOf: [schema, { type: 'null' }]`: read both as the 3.0 `nullable` the fuzzer knows.
 */
function nullableAs30(schema: JsonSchema): JsonSchema {
  const types = schema.type as unknown;
  if (Array.isArray(types)) {
    const [type, ...others] = types.filter((t) => t !== 'null') as Array<NonNullable<JsonSchema['type']>>;
    if (others.length > 0)
      throw new Error(`a schema of several types (${types.join(', ')}) is not supported`);
    return { ...schema, type, ...(types.includes('null') && { nullable: true }) };
  }
  const { anyOf, ...rest } = schema;
  const isNull = (member: JsonSchema) => (member.type as unknown) === 'null';
  if (anyOf?.length === 2 && anyOf.some(isNull))
    return { ...rest, allOf: [...(rest.allOf ?? []), anyOf.find((m) => !isNull(m))!], nullable: true };
  return schema;
}

/**
 * Resolves `#/components/schemas/…` references and folds `allOf` into one schema, recursively, reading
 * OpenAPI 3.1's "or null" as `nullable`. Schemas are trees here (a cycle would stop at its second visit
 * as an empty schema).
 */
export function schemaResolver(document: OpenApiDocument): (schema: JsonSchema) => JsonSchema {
  const components = document.components?.schemas ?? {};
  const resolve = (schema: JsonSchema, seen: ReadonlySet<string>): JsonSchema => {
    if (schema.$ref) {
      const name = schema.$ref.replace('#/components/schemas/', '');
      const target = components[name];
      if (!target) throw new Error(`unresolved reference ${schema.$ref}`);
      if (seen.has(name)) return {};
      return resolve(target, new Set([...seen, name]));
    }
    const { allOf, properties, items, ...rest } = nullableAs30(schema);
    let resolved: JsonSchema = { ...rest };
    if (properties)
      resolved.properties = Object.fromEntries(
        Object.entries(properties).map(([name, property]) => [name, resolve(property, seen)]),
      );
    if (items) resolved.items = resolve(items, seen);
    for (const part of allOf ?? []) {
      const { properties: partProperties, required, ...partRest } = resolve(part, seen);
      resolved = {
        ...partRest,
        ...resolved,
        type: resolved.type ?? partRest.type,
        properties: { ...partProperties, ...resolved.properties },
        required: [...(required ?? []), ...(resolved.required ?? [])],
      };
    }
    return resolved;
  };
  return (schema) => resolve(schema, new Set());
}

/** The document the API serves at `documentPath`. */
export async function fetchDocument(baseUrl: string, documentPath: string): Promise<OpenApiDocument> {
  const url = new URL(documentPath.replace(/^\//, ''), baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
  const response = await fetch(url);
  if (!response.ok)
    throw new Error(`GET ${url.href} answered ${response.status}: no OpenAPI document to fuzz from`);
  return (await response.json()) as OpenApiDocument;
}
