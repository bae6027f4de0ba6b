import type { INestApplication } from '@nestjs/common';
import {
  DocumentBuilder,
  SwaggerModule,
  type OpenAPIObject,
  type OperationObject,
  type PathItemObject,
} from '@nestjs/swagger';
import { version } from '../../../../package.json';
import { BEARER_SCHEME } from '../auth/auth.constants';
import { documentProbes } from '../http/probe-documentation';
import { ProblemDetailsSchema } from './problem-details.schema';
import { problemContent } from './problem-responses.decorator';
import { RESPONSE_HEADERS } from './response-headers';
import { webhookDocumentation, WebhookEventSchema } from './webhook-events.documentation';

/** Where the API serves Swagger UI. */
export const OPENAPI_UI_PATH = 'docs';
/** Where the API serves the document (what docs/openapi.json holds). */
export const OPENAPI_JSON_PATH = 'docs/openapi.json';

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'] as const;

const DESCRIPTION = `Place, read, list and cancel your orders; browse and restock the catalog; operators search and act on
every customer's orders and manage webhook endpoints.

Order routes need a bearer access token whose \`sub\` is the customer; operator routes need the
\`orders:admin\` scope. Every error is RFC 9457 problem details (\`ProblemDetails\`): branch on its \`code\`.
\`placeOrder\` and \`restockProduct\` honour an \`Idempotency-Key\`; \`placeOrder\` is limited per customer
(\`RateLimit-Policy\`, \`RateLimit\`). Order, payment and shipment events reach registered endpoints as signed
webhooks (\`webhooks\`).`;

/** Keys whose values are data (examples, defaults, enums), not schemas. */
const DATA_KEYS = new Set(['example', 'examples', 'default', 'enum', 'const']);

/**
 * `{ allOf: [{ $ref }], …siblings }` → `{ $ref, …siblings }`, everywhere in `node`: OpenAPI 3.1 allows
 * keywords next to `$ref`, which @nestjs/swagger still wraps in a one-member `allOf` as 3.0 needed.
 */
function unwrapLoneReferences<T>(node: T): T {
  if (Array.isArray(node)) return node.map(unwrapLoneReferences) as T;
  if (node === null || typeof node !== 'object') return node;
  const object: Record<string, unknown> = Object.fromEntries(
    Object.entries(node).map(([key, value]) => [
      key,
      DATA_KEYS.has(key) ? value : unwrapLoneReferences(value),
    ]),
  );
  const { allOf, ...siblings } = object;
  const [member] = Array.isArray(allOf) ? (allOf as unknown[]) : [];
  const lone =
    Array.isArray(allOf) &&
    allOf.length === 1 &&
    typeof member === 'object' &&
    member !== null &&
    '$ref' in member;
  return (lone && Object.keys(member).length === 1 ? { $ref: member.$ref, ...siblings } : object) as T;
}

/** Every operation of `items` (a document's paths or webhooks). */
function operationsOf(items: Record<string, PathItemObject> | undefined): OperationObject[] {
  return Object.values(items ?? {}).flatMap((item) =>
    METHODS.flatMap((method) => (item[method] ? [item[method]] : [])),
  );
}

/**
 * The API's OpenAPI 3.1 document, from the controllers' decorators and the DTOs' `@ApiProperty`: what
 * `/docs/openapi.json` serves and `npm run openapi` commits (docs/openapi.json). Needs the application's
 * modules only, not its providers: a preview application (documentation-app.ts) builds the same document.
 */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setOpenAPIVersion('3.1.0')
    .setTitle('Orders API')
    .setDescription(DESCRIPTION)
    .setVersion(version)
    .setLicense('MIT', 'https://opensource.org/license/mit')
    .addServer('/', 'The host serving this document')
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'JWT',
        description:
          'An access token (JWT) in `Authorization: Bearer <token>`: its `sub` is the customer; operator ' +
          'routes need the `orders:admin` scope. Never in the URL.',
      },
      BEARER_SCHEME,
    )
    .addTag('orders', "A customer's own orders (the customer is the token's `sub`)")
    .addTag('products', 'The catalog with its stock')
    .addTag('admin', "Operators (`orders:admin`): every customer's orders")
    .addTag('webhooks', 'Operators (`orders:admin`): webhook endpoints and their deliveries')
    .addTag('operations', 'Operators (`orders:admin`): fault injection')
    .addTag('health', 'Probes (Kubernetes liveness and readiness)')
    .addTag('webhook events', 'What registered endpoints receive: one signed POST per event')
    .build();
  const generated = unwrapLoneReferences(
    SwaggerModule.createDocument(
      app,
      { ...config, webhooks: webhookDocumentation() },
      { extraModels: [ProblemDetailsSchema, WebhookEventSchema] },
    ),
  );
  // The usual reading order, whatever order @nestjs/swagger assembles the document in.
  const { openapi, info, servers, tags, paths, webhooks, components, ...rest } = generated;
  const { contact: _empty, ...described } = info; // DocumentBuilder's `contact: {}`
  const document: OpenAPIObject = {
    openapi,
    info: described,
    servers,
    tags,
    paths,
    webhooks,
    components: { ...components, headers: RESPONSE_HEADERS },
    ...rest,
  };
  documentProbes(document);
  for (const operation of operationsOf(document.paths)) {
    // Explicitly public where no security requirement was declared (the catalog reads, the probes).
    operation.security ??= [];
    operation.responses.default ??= {
      description: 'Any other error, such as an unexpected one (500 INTERNAL_ERROR)',
      content: problemContent(),
    };
  }
  return document;
}

/** Serves Swagger UI at /docs and the document at /docs/openapi.json. */
export function serveOpenApiDocument(app: INestApplication): void {
  SwaggerModule.setup(OPENAPI_UI_PATH, app, buildOpenApiDocument(app), {
    jsonDocumentUrl: OPENAPI_JSON_PATH,
  });
}
