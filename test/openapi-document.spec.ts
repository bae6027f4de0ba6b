import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { WEBHOOK_EVENT_TYPES } from '@app/webhooks';
import type { OpenAPIObject, OperationObject, ReferenceObject, ResponseObject } from '@nestjs/swagger';
import { buildOpenApiDocumentOffline } from '../apps/api/src/openapi/documentation-app';
import { API_SCHEMA_FILE, driftMessage, OPENAPI_DOCUMENT_FILE } from '../scripts/openapi';
import { REPO_ROOT } from '../tooling/repo-root';

/** `npm run openapi -- --check [...]`, as the npm script runs it (on this Node.js). */
function checkCommittedFiles(...args: string[]) {
  return spawnSync(process.execPath, ['-r', '@swc-node/register', 'scripts/openapi.ts', '--check', ...args], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: 180_000,
  });
}

const PROBLEM_DETAILS = '#/components/schemas/ProblemDetails';
const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

interface Documented {
  route: string;
  operation: OperationObject;
}

function operationsOf(items: OpenAPIObject['paths'] | undefined): Documented[] {
  return Object.entries(items ?? {}).flatMap(([path, item]) =>
    METHODS.flatMap((method) => {
      const operation = item[method];
      return operation ? [{ route: `${method.toUpperCase()} ${path}`, operation }] : [];
    }),
  );
}

const response = (operation: OperationObject, status: string) =>
  operation.responses[status] as ResponseObject | undefined;

/** Whether the answer is problem details, in both media types an error can have. */
const isProblemDetails = (answer: ResponseObject | ReferenceObject | undefined) =>
  ['application/problem+json', 'application/json'].every(
    (type) =>
      ((answer as ResponseObject | undefined)?.content?.[type]?.schema as ReferenceObject)?.$ref ===
      PROBLEM_DETAILS,
  );

const headersOf = (answer: ResponseObject | undefined) => Object.keys(answer?.headers ?? {});
const isProbe = (route: string) => route.startsWith('GET /health/');

describe('OpenAPI document (docs/openapi.json, written by npm run openapi)', () => {
  let document: OpenAPIObject;
  let operations: Documented[];

  beforeAll(async () => {
    document = await buildOpenApiDocumentOffline();
    operations = operationsOf(document.paths);
  }, 60_000);

  describe('drift', () => {
    it('docs/openapi.json is the document the API builds and serves', () => {
      const committed = JSON.stringify(JSON.parse(readFileSync(OPENAPI_DOCUMENT_FILE, 'utf8')), null, 2);
      const built = JSON.stringify(document, null, 2);
      // Content and key order; the file's layout is Prettier's, which the check below compares byte for byte.
      if (built !== committed) throw new Error(driftMessage('docs/openapi.json', committed, built));
    });

    it('both committed files are byte for byte what npm run openapi writes, the client types included', () => {
      const result = checkCommittedFiles();
      expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
    }, 180_000);

    it('the check fails on a drifted file, saying where and to run npm run openapi', () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'openapi-drift-'));
      try {
        const schema = path.join(dir, 'api-schema.ts');
        writeFileSync(schema, readFileSync(API_SCHEMA_FILE, 'utf8').replace('placeOrder:', 'createOrder:'));
        const result = checkCommittedFiles('--schema', schema);
        expect(result.status).toBe(1);
        expect(result.stderr).toContain(`${path.relative(REPO_ROOT, schema)} is not what the API's`);
        expect(result.stderr).toContain('committed:   createOrder: {');
        expect(result.stderr).toContain('Run `npm run openapi`');
        expect(result.stderr).not.toContain('docs/openapi.json');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }, 180_000);
  });

  describe('completeness', () => {
    it("is OpenAPI 3.1, and documents liveness too, a route outside Nest's router", () => {
      expect(document.openapi).toBe('3.1.0');
      expect(operations.map(({ route }) => route)).toContain('GET /health/live');
    });

    it('names every operation for a generated client, uniquely, never with a generated name', () => {
      const all = [...operations, ...operationsOf(document.webhooks)];
      const ids = all.map(({ operation }) => operation.operationId);
      expect(all.filter(({ operation }) => !/^[a-z][A-Za-z]+$/.test(operation.operationId ?? ''))).toEqual(
        [],
      );
      expect(ids.filter((id, i) => ids.indexOf(id) !== i)).toEqual([]);
      const named = Object.fromEntries(
        operations.map(({ route, operation }) => [route, operation.operationId]),
      );
      expect(named).toMatchObject({
        'POST /orders': 'placeOrder',
        'GET /orders/{id}': 'getOrder',
        'GET /orders': 'listOrders',
        'POST /orders/{id}/cancel': 'cancelOrder',
        'GET /products': 'listProducts',
        'GET /products/{sku}': 'getProduct',
        'POST /products/{sku}/restock': 'restockProduct',
        'GET /admin/orders': 'searchOrders',
        'GET /admin/orders/{id}': 'getOrderForOperator',
        'POST /admin/orders/{id}/cancel': 'cancelOrderAsOperator',
        'GET /admin/orders/stuck': 'listStuckOrders',
        'POST /admin/orders/{id}/resume': 'resumeOrder',
        'POST /admin/webhooks': 'createWebhookEndpoint',
        'GET /admin/webhooks': 'listWebhookEndpoints',
      });
    });

    it('documents the error answers of every operation as problem details, and anything else by default', () => {
      const missing = operations.flatMap(({ route, operation }) => {
        const errors = Object.keys(operation.responses).filter((status) => /^[45]\d\d$/.test(status));
        const problems = errors.filter((status) => isProblemDetails(response(operation, status)));
        return [
          ...(isProbe(route) || problems.length > 0 ? [] : [`${route}: no 4xx/5xx as problem details`]),
          // Readiness answers Terminus's body with its 503, as Kubernetes reads it.
          ...errors
            .filter((status) => !problems.includes(status) && !(isProbe(route) && status === '503'))
            .map((status) => `${route}: ${status} is not problem details`),
          ...(isProblemDetails(response(operation, 'default'))
            ? []
            : [`${route}: no default problem details`]),
        ];
      });
      expect(missing).toEqual([]);
    });

    it('documents 401 with WWW-Authenticate where a token is needed, and Retry-After on 429 and 503', () => {
      const missing = operations.flatMap(({ route, operation }) => {
        const secured = (operation.security ?? []).some((requirement) => Object.keys(requirement).length > 0);
        const retried = ['429', '503'].filter((status) => status in operation.responses && !isProbe(route));
        return [
          ...(secured && !headersOf(response(operation, '401')).includes('WWW-Authenticate')
            ? [`${route}: no 401 with WWW-Authenticate`]
            : []),
          ...retried
            .filter((status) => !headersOf(response(operation, status)).includes('Retry-After'))
            .map((status) => `${route}: ${status} without Retry-After`),
        ];
      });
      expect(missing).toEqual([]);
      // Public operations say so (no security requirement), and only the catalog reads and the probes are.
      const open = operations.filter(({ operation }) => operation.security?.length === 0).map((o) => o.route);
      expect(open.sort()).toEqual([
        'GET /health/live',
        'GET /health/ready',
        'GET /products',
        'GET /products/{sku}',
      ]);
    });

    it('documents the headers of placeOrder and restockProduct: idempotency, Location, the rate limit', () => {
      const byId = (id: string) =>
        operations.find(({ operation }) => operation.operationId === id)!.operation;
      const place = byId('placeOrder');
      const restock = byId('restockProduct');
      for (const operation of [place, restock])
        expect(operation.parameters).toContainEqual(
          expect.objectContaining({ name: 'Idempotency-Key', in: 'header', required: false }),
        );
      expect(headersOf(response(place, '202'))).toEqual([
        'Location',
        'Idempotent-Replayed',
        'RateLimit-Policy',
        'RateLimit',
      ]);
      expect(headersOf(response(place, '429'))).toEqual(['Retry-After', 'RateLimit-Policy', 'RateLimit']);
      expect(headersOf(response(restock, '200'))).toEqual(['Idempotent-Replayed']);
      expect(Object.keys(document.components?.headers ?? {})).toEqual(
        expect.arrayContaining(['RateLimit-Policy', 'RateLimit', 'Retry-After', 'WWW-Authenticate']),
      );
    });

    it('describes problem details (RFC 9457 and the API’s members) and every webhook event', () => {
      const problem = document.components?.schemas?.ProblemDetails as {
        properties: object;
        required: string[];
      };
      expect(Object.keys(problem.properties)).toEqual([
        'type',
        'title',
        'status',
        'detail',
        'instance',
        'code',
        'errors',
        'traceId',
      ]);
      expect(problem.required).toEqual(['type', 'title', 'status', 'detail', 'code']);
      expect(Object.keys(document.webhooks ?? {})).toEqual([...WEBHOOK_EVENT_TYPES]);
      for (const { operation } of operationsOf(document.webhooks)) {
        expect(
          operation.parameters
            ?.filter((p) => 'required' in p && p.required)
            .map((p) => 'name' in p && p.name),
        ).toEqual(['webhook-id', 'webhook-timestamp', 'webhook-signature', 'webhook-attempt']);
        expect(JSON.stringify(operation.requestBody)).toContain('#/components/schemas/WebhookEvent');
      }
    });
  });
});
