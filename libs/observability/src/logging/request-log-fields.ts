import { context, isSpanContextValid, trace } from '@opentelemetry/api';
import { activeRequestScope } from '../http/request-scope';

type Fields = Record<string, unknown>;

/** What the mixin returns when it has nothing to add: shared, never written to (see `mergeRequestLogFields`). */
const NOTHING: Fields = Object.freeze({});

/** The key only a line that names its request itself carries (the access line): the mixin leaves it alone. */
const REQUEST_ID = 'http.request.id';

/**
 * pino `mixin` of the application and audit loggers: the fields of the context a line is written in —
 * `trace.id` and `span.id` of the active span, and of the request being served (its scope, see
 * request-scope.ts) `http.request.id` and the domain ids a handler named (`@LogContext`). Replaces a child
 * logger per request: nothing is created per request, and a line written outside any span or request
 * costs two context reads and allocates nothing (`NOTHING`). A line that gives its own `http.request.id`
 * (the access line, which carries its request's fields itself) gets nothing added.
 */
export function requestLogFields(line: object): Fields {
  if (REQUEST_ID in line) return NOTHING;
  const spanContext = trace.getSpanContext(context.active());
  const scope = activeRequestScope();
  let fields: Fields | undefined;
  if (spanContext && isSpanContextValid(spanContext))
    fields = { 'trace.id': spanContext.traceId, 'span.id': spanContext.spanId };
  if (scope) {
    fields ??= {};
    if (scope.id) fields[REQUEST_ID] = scope.id;
    for (const key in scope.fields) fields[key] = scope.fields[key];
  }
  return fields ?? NOTHING;
}

/**
 * pino `mixinMergeStrategy` for `requestLogFields`: the line's own fields over the context's, in one object,
 * so a key given both ways is written once (Elasticsearch rejects a document with a key twice). pino's
 * default writes into the mixin's object, which must then be fresh; this one leaves `NOTHING` alone.
 */
export function mergeRequestLogFields(line: object, fields: object): object {
  return fields === NOTHING ? line : Object.assign(fields, line);
}
