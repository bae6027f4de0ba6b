import fc from 'fast-check';
import { OFF_DOCUMENT, type FuzzRequest, type PathPart } from '../fuzz-request';
import type { Operation } from '../openapi-document';
import { authorizationDimension } from './authorization.arbitrary';
import { bodyDimension } from './body.arbitrary';
import { either, type Dimension, type GenerationContext, type Part } from './dimension';
import { headersDimension } from './headers.arbitrary';
import { pathDimension } from './path.arbitrary';
import { queryDimension } from './query.arbitrary';

/**
 * Requests for one operation. A quarter are valid in every part (a valid token with the scope the
 * route needs, real ids, documented query values and headers, a body built from the schema and its
 * examples), so the handlers and the database are reached; half are valid but for one part (the
 * token, the path, the query, the headers or the body), so each refusal is reached on its own; the
 * rest draw every part freely.
 */
export function requestArbitrary(
  operation: Operation,
  context: GenerationContext,
): fc.Arbitrary<FuzzRequest> {
  const dimensions = {
    authorization: authorizationDimension(operation),
    path: pathDimension(operation.path, operation.pathParameters, context),
    query: queryDimension(operation.queryParameters, context),
    headers: headersDimension(operation.headerParameters),
    body: bodyDimension(operation, context),
  };
  type Name = keyof typeof dimensions;
  const breakable = (Object.keys(dimensions) as Name[]).filter((name) => dimensions[name].broken);
  const compose = (pick: <T>(name: Name, dimension: Dimension<T>) => Part<T>) =>
    fc
      .record({
        authorization: pick('authorization', dimensions.authorization),
        path: pick('path', dimensions.path),
        query: pick('query', dimensions.query),
        headers: pick('headers', dimensions.headers),
        body: pick('body', dimensions.body),
      })
      .map(({ authorization, path, query, headers, body }) => ({
        operation: operation.key,
        method: operation.method,
        path: path.value,
        query: query.value,
        headers: headers.value,
        authorization: authorization.value,
        body: body.value,
        families: [authorization, path, query, headers, body].flatMap((part) => part.families),
      }));
  return fc.oneof(
    { weight: 2, arbitrary: compose((_name, dimension) => dimension.valid) },
    {
      weight: 4,
      arbitrary: fc
        .constantFrom(...breakable)
        .chain((broken) =>
          compose((name, dimension) => (name === broken ? dimension.broken! : dimension.valid)),
        ),
    },
    { weight: 2, arbitrary: compose((_name, dimension) => either(dimension)) },
  );
}

/**
 * Requests the document does not describe: undocumented methods on its paths, unknown paths and
 * path tricks (trailing and double slashes, dot segments, case).
 */
export function offDocumentArbitrary(
  operations: readonly Operation[],
  context: GenerationContext,
): fc.Arbitrary<FuzzRequest> {
  const templates = [...new Set(operations.map((o) => o.path))];
  const documented = new Set(operations.map((o) => o.key));
  const methods = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];
  const undocumentedMethod = fc
    .tuple(fc.constantFrom(...templates), fc.constantFrom(...methods))
    .filter(([template, method]) => !documented.has(`${method} ${template}`))
    .chain(([template, method]) =>
      pathDimension(template, [], context).valid.map((path) => ({
        method,
        path: path.value,
        family: 'route:undocumented-method',
      })),
    );
  const unknownPath = fc
    .tuple(
      fc.constantFrom('GET', 'POST', 'DELETE'),
      fc.oneof(
        fc.constantFrom(...UNKNOWN_PATHS),
        fc.constantFrom(...templates).map((t) => `${t.replace(/\{[^}]+\}/g, 'x')}/extra`),
      ),
    )
    .map(([method, path]) => ({ method, path: [{ literal: path }] as PathPart[], family: 'route:unknown' }));
  return fc
    .record({
      target: fc.oneof(undocumentedMethod, unknownPath),
      authorization: either(authorizationDimension({ secured: true, statuses: [] })),
      body: fc.option(fc.constantFrom('{}', '{"a":1}', 'x'), { freq: 3 }),
    })
    .map(({ target, authorization, body }) => ({
      operation: OFF_DOCUMENT,
      method: target.method,
      path: target.path,
      query: [],
      headers: [],
      authorization: authorization.value,
      body:
        body !== null && !['GET', 'HEAD'].includes(target.method)
          ? { text: body, contentType: 'application/json' }
          : undefined,
      families: [target.family, ...authorization.families],
    }));
}

const UNKNOWN_PATHS = [
  '/',
  '/ordersx',
  '/orders/x/y/z',
  '/admin',
  '/admin/unknown',
  '/.env',
  '//orders',
  '/orders/',
  '/ORDERS',
  '/orders/./',
  '/orders/%2e%2e/admin/faults',
  '/%00',
  '/orders;jsessionid=1',
  '/docs/../admin/faults',
];
