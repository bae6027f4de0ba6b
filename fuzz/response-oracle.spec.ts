import type { IncomingHttpHeaders } from 'node:http';
import { SAMPLE_DOCUMENT } from './openapi-document.fixture';
import { operationsOf } from './openapi-document';
import { judge } from './response-oracle';

const operations = new Map(operationsOf(SAMPLE_DOCUMENT).map((o) => [o.key, o]));
const JSON_TYPE = { 'content-type': 'application/json; charset=utf-8' };
const errorBody = (statusCode: number, extra: object = {}) =>
  JSON.stringify({
    statusCode,
    error: 'Bad Request',
    code: 'VALIDATION_FAILED',
    message: 'The request is not valid',
    ...extra,
  });

function verdict(
  status: number | undefined,
  text: string,
  headers: IncomingHttpHeaders = JSON_TYPE,
  {
    operation = 'GET /things/{id}',
    method = 'GET',
    echoes = [] as string[],
    error = undefined as string | undefined,
  } = {},
) {
  return judge({
    operation: operations.get(operation),
    method,
    echoes,
    exchange: { status, headers, text, ms: 12, error },
  });
}

describe('judge: what an answer must be', () => {
  it('accepts an error in the documented shape', () => {
    expect(verdict(400, errorBody(400, { details: [{ field: 'id', message: 'must be a UUID' }] }))).toEqual(
      [],
    );
  });

  it('flags a 5xx, and no answer at all', () => {
    expect(verdict(500, errorBody(500))).toContain('server error 500');
    expect(verdict(undefined, '', {}, { error: 'timeout' })).toEqual([
      'no answer within the timeout (12 ms)',
    ]);
    expect(verdict(undefined, '', {}, { error: 'ECONNRESET' })).toEqual(['no answer: ECONNRESET']);
  });

  it('accepts a 503 the operation documents, checked against its own schema', () => {
    const ready = { operation: 'GET /health/ready' };
    expect(verdict(503, '{"status":"error"}', JSON_TYPE, ready)).toEqual([]);
    expect(verdict(503, '{}', JSON_TYPE, ready)).toEqual(['body.status is missing, documented as required']);
    expect(verdict(503, errorBody(503), { ...JSON_TYPE, 'retry-after': '5' })).toEqual(['server error 503']);
  });

  it('flags errors that are not the documented shape', () => {
    expect(verdict(404, 'Not Found', { 'content-type': 'text/plain' })).toEqual([
      'error body: content type "text/plain", not application/json',
    ]);
    expect(verdict(431, '{"error":"x","message":"y","statusCode":431}')).toEqual([
      'error code undefined is not an UPPER_SNAKE string',
    ]);
    expect(verdict(400, errorBody(401))).toEqual(['error statusCode 401 is not the status 400']);
    expect(verdict(400, errorBody(400, { stack: 'x' }))).toEqual([
      'error body has undocumented fields stack',
    ]);
    expect(verdict(400, errorBody(400, { details: [{ field: 'a' }] }))).toEqual([
      'error details are not an array of {field, message}',
    ]);
    expect(verdict(417, '', {})).toEqual(['error body: content type null, not application/json']);
  });

  it('requires the headers that go with 401, 429 and 503', () => {
    expect(verdict(401, errorBody(401))).toEqual(['401 without WWW-Authenticate']);
    expect(verdict(401, errorBody(401), { ...JSON_TYPE, 'www-authenticate': 'Bearer realm="x"' })).toEqual(
      [],
    );
    expect(verdict(429, errorBody(429))).toEqual(['429 without Retry-After']);
  });

  it('flags stack traces, source paths and SQL in error bodies, but not what the request itself said', () => {
    const message = (text: string) => errorBody(400, { message: text });
    expect(verdict(400, message('TypeError: x is undefined\n    at f (/app/src/x.ts:1:2)'))).toEqual([
      'the body shows a stack trace',
      'the body shows a source path',
      'the body shows an internal exception',
    ]);
    expect(verdict(400, message('SELECT id FROM orders WHERE x'))).toEqual(['the body shows SQL']);
    expect(verdict(400, message('duplicate key value violates unique constraint'))).toEqual([
      'the body shows a database error',
    ]);
    const echoed = 'unknown sku SELECT * FROM products';
    expect(verdict(400, message(echoed), JSON_TYPE, { echoes: ['SELECT * FROM products'] })).toEqual([]);
  });

  it('checks successes against the documented schema', () => {
    const thing = { id: '5b8f3c0e-8d0a-4d8e-9c55-2f3f4f5a6b7c', name: 'Widget', reason: null, label: null };
    expect(verdict(200, JSON.stringify(thing))).toEqual([]);
    expect(verdict(200, JSON.stringify({ ...thing, reason: { code: 1 } }))).toEqual([
      'body.reason is an object, documented as string',
    ]);
    expect(verdict(200, JSON.stringify({ ...thing, id: 'x', name: undefined }))).toEqual([
      'body.name is missing, documented as required',
      'body.id is not a uuid',
    ]);
    expect(verdict(200, '<html>', { 'content-type': 'text/html' })).toEqual([
      '200 body: content type "text/html", not application/json',
    ]);
    expect(verdict(201, '{}')).toEqual(['success status 201 is not documented (200)']);
  });

  it('reads no body of a HEAD answer', () => {
    expect(verdict(401, '', { 'www-authenticate': 'Bearer' }, { method: 'HEAD' })).toEqual([]);
  });
});
