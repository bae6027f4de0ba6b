import type { IncomingHttpHeaders } from 'node:http';
import { SAMPLE_DOCUMENT } from './openapi-document.fixture';
import { operationsOf, type JsonSchema } from './openapi-document';
import { judge } from './response-oracle';

/** The sample, with an order route whose 404 and 503 are documented as problem details. */
const text = { type: 'string' } as const;
const PROBLEM_SCHEMA: JsonSchema = {
  type: 'object',
  properties: {
    type: text,
    title: text,
    status: { type: 'integer' },
    detail: text,
    code: text,
    traceId: text,
  },
  required: ['type', 'title', 'status', 'detail', 'code'],
};
const problemResponse = {
  content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
};
const DOCUMENT = {
  ...SAMPLE_DOCUMENT,
  paths: {
    ...SAMPLE_DOCUMENT.paths,
    '/orders/{id}': { get: { responses: { '404': problemResponse, '503': problemResponse } } },
  },
  components: { schemas: { ...SAMPLE_DOCUMENT.components!.schemas, Problem: PROBLEM_SCHEMA } },
};
const operations = new Map(operationsOf(DOCUMENT).map((o) => [o.key, o]));
const PROBLEM_TYPE = { 'content-type': 'application/problem+json' };
const JSON_TYPE = { 'content-type': 'application/json; charset=utf-8' };
const problem = (status: number, extra: object = {}) =>
  JSON.stringify({
    type: 'https://orders.example/errors/validation-failed',
    title: 'Invalid request',
    status,
    detail: 'The request is not valid',
    instance: '/things/1',
    code: 'VALIDATION_FAILED',
    ...extra,
  });

function verdict(
  status: number | undefined,
  text: string,
  headers: IncomingHttpHeaders = PROBLEM_TYPE,
  {
    operation = 'GET /things/{id}',
    method = 'GET',
    echoes = [] as string[],
    error = undefined as string | undefined,
    accept = undefined as string | undefined,
  } = {},
) {
  return judge({
    operation: operations.get(operation),
    method,
    echoes,
    accept,
    exchange: { status, headers, text, ms: 12, error },
  });
}

describe('judge: what an answer must be', () => {
  it('accepts an error as problem details', () => {
    expect(verdict(400, problem(400, { errors: [{ field: 'id', message: 'must be a UUID' }] }))).toEqual([]);
    expect(verdict(400, problem(400, { traceId: '4bf92f3577b34da6a3ce929d0e0e4736' }))).toEqual([]);
    const withoutPage = {
      type: 'about:blank',
      title: 'Not Acceptable',
      code: 'HTTP_406',
      instance: undefined,
    };
    expect(verdict(406, problem(406, withoutPage))).toEqual([]);
  });

  it('judges an error the operation documents as problem details as problem details', () => {
    const order = { operation: 'GET /orders/{id}' };
    const notFound = problem(404, {
      type: 'https://orders.example/errors/order-not-found',
      code: 'ORDER_NOT_FOUND',
    });
    expect(verdict(404, notFound, PROBLEM_TYPE, order)).toEqual([]);
    expect(verdict(404, notFound, JSON_TYPE, order)).toEqual([
      'error content type "application/json; charset=utf-8" is not application/problem+json',
    ]);
    expect(verdict(404, problem(404), PROBLEM_TYPE, order)).toEqual([]);
    expect(verdict(404, problem(400), PROBLEM_TYPE, order)).toEqual([
      'error status 400 is not the status 404',
    ]);
    expect(verdict(503, problem(503), PROBLEM_TYPE, order)).toEqual(['503 without Retry-After']);
  });

  it('accepts plain JSON only when the request named it in Accept', () => {
    expect(verdict(400, problem(400), JSON_TYPE, { accept: 'application/json; q=0.9' })).toEqual([]);
    expect(verdict(400, problem(400), JSON_TYPE)).toEqual([
      'error content type "application/json; charset=utf-8" is not application/problem+json',
    ]);
    expect(verdict(400, problem(400), JSON_TYPE, { accept: 'text/html' })).toHaveLength(1);
  });

  it('flags a 5xx, and no answer at all', () => {
    expect(verdict(500, problem(500))).toContain('server error 500');
    expect(verdict(undefined, '', {}, { error: 'timeout' })).toEqual([
      'no answer within the timeout (12 ms)',
    ]);
    expect(verdict(undefined, '', {}, { error: 'ECONNRESET' })).toEqual(['no answer: ECONNRESET']);
  });

  it('accepts a 503 the operation documents, checked against its own schema', () => {
    const ready = { operation: 'GET /health/ready' };
    expect(verdict(503, '{"status":"error"}', JSON_TYPE, ready)).toEqual([]);
    expect(verdict(503, '{}', JSON_TYPE, ready)).toEqual(['body.status is missing, documented as required']);
    expect(verdict(503, problem(503), { ...PROBLEM_TYPE, 'retry-after': '5' })).toEqual(['server error 503']);
  });

  it('flags errors that are not problem details', () => {
    expect(verdict(404, 'Not Found', { 'content-type': 'text/plain' })).toEqual([
      'error body: content type "text/plain", not application/json',
    ]);
    expect(verdict(431, '{"title":"x","detail":"y","status":431,"type":"about:blank"}')).toEqual([
      'error code undefined is not an UPPER_SNAKE string',
    ]);
    expect(verdict(400, problem(401))).toEqual(['error status 401 is not the status 400']);
    expect(verdict(400, problem(400, { stack: 'x' }))).toEqual(['error body has undocumented fields stack']);
    expect(verdict(400, problem(400, { statusCode: 400, message: 'x' }))).toEqual([
      'error body has undocumented fields statusCode, message',
    ]);
    expect(verdict(400, problem(400, { errors: [{ field: 'a' }] }))).toEqual([
      'error errors are not a non-empty array of {field, message}',
    ]);
    expect(verdict(400, problem(400, { errors: [] }))).toEqual([
      'error errors are not a non-empty array of {field, message}',
    ]);
    expect(verdict(400, problem(400, { type: 'https://orders.example/errors/bad-request' }))).toEqual([
      'error type "https://orders.example/errors/bad-request" is not the page of VALIDATION_FAILED',
    ]);
    expect(verdict(400, problem(400, { type: 'validation-failed' }))).toHaveLength(1);
    expect(verdict(400, problem(400, { title: '', detail: undefined }))).toEqual([
      'error body lacks "title"',
      'error body lacks "detail"',
    ]);
    expect(verdict(400, problem(400, { instance: '/things/1?card=4242' }))).toEqual([
      'error instance "/things/1?card=4242" is not a path',
    ]);
    expect(verdict(400, problem(400, { traceId: '0'.repeat(32) }))).toEqual([
      `error traceId "${'0'.repeat(32)}" is not a trace id`,
    ]);
    expect(verdict(417, '', {})).toEqual(['error body: content type null, not application/json']);
  });

  it('requires the headers that go with 401, 429 and 503', () => {
    expect(verdict(401, problem(401))).toEqual(['401 without WWW-Authenticate']);
    expect(verdict(401, problem(401), { ...PROBLEM_TYPE, 'www-authenticate': 'Bearer realm="x"' })).toEqual(
      [],
    );
    expect(verdict(429, problem(429))).toEqual(['429 without Retry-After']);
  });

  it('flags stack traces, source paths and SQL in error bodies, but not what the request itself said', () => {
    const detail = (text: string) => problem(400, { detail: text });
    expect(verdict(400, detail('TypeError: x is undefined\n    at f (/app/src/x.ts:1:2)'))).toEqual([
      'the body shows a stack trace',
      'the body shows a source path',
      'the body shows an internal exception',
    ]);
    expect(verdict(400, detail('SELECT id FROM orders WHERE x'))).toEqual(['the body shows SQL']);
    expect(verdict(400, detail('duplicate key value violates unique constraint'))).toEqual([
      'the body shows a database error',
    ]);
    const echoed = 'unknown sku SELECT * FROM products';
    expect(verdict(400, detail(echoed), PROBLEM_TYPE, { echoes: ['SELECT * FROM products'] })).toEqual([]);
  });

  it('checks successes against the documented schema', () => {
    const thing = { id: '5b8f3c0e-8d0a-4d8e-9c55-2f3f4f5a6b7c', name: 'Widget', reason: null, label: null };
    expect(verdict(200, JSON.stringify(thing), JSON_TYPE)).toEqual([]);
    expect(verdict(200, JSON.stringify({ ...thing, reason: { code: 1 } }), JSON_TYPE)).toEqual([
      'body.reason is an object, documented as string',
    ]);
    expect(verdict(200, JSON.stringify({ ...thing, id: 'x', name: undefined }), JSON_TYPE)).toEqual([
      'body.name is missing, documented as required',
      'body.id is not a uuid',
    ]);
    expect(verdict(200, '<html>', { 'content-type': 'text/html' })).toEqual([
      '200 body: content type "text/html", not application/json',
    ]);
    expect(verdict(201, '{}', JSON_TYPE)).toEqual(['success status 201 is not documented (200)']);
  });

  it('reads no body of a HEAD answer', () => {
    expect(verdict(401, '', { 'www-authenticate': 'Bearer' }, { method: 'HEAD' })).toEqual([]);
  });
});
