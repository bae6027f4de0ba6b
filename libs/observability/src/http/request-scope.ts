import { context, createContextKey, type Context } from '@opentelemetry/api';

/**
 * What the telemetry of one HTTP request shares: its id, the domain ids a handler names (`@LogContext`),
 * and the ids of its server span. Created once per request, kept on the framework's request object, and
 * carried in the OpenTelemetry context while the request is served, so log lines written on its behalf
 * (a pino mixin) carry the same fields as its access line, without a child logger per request.
 */
export interface RequestScope {
  /** The request id (`X-Request-Id` when the caller sent a sane one). */
  readonly id: string;
  /** Domain ids (`order.id`, `customer.id`…) added while the request is served; strings and numbers only. */
  readonly fields: Record<string, string | number>;
  /** The server span's trace and span ids, once a server span exists (tracing on). */
  traceId?: string;
  spanId?: string;
}

const SCOPE = Symbol('orders.request-scope');
const SCOPE_KEY = createContextKey('orders.request-scope');

type ScopedRequest = { id?: string | number; [SCOPE]?: RequestScope };

/** The request's scope, created on first use (whichever hook runs first) from the framework's request id. */
export function requestScopeOf(request: object): RequestScope {
  const scoped = request as ScopedRequest;
  return (scoped[SCOPE] ??= { id: scoped.id === undefined ? '' : String(scoped.id), fields: {} });
}

/** `parent` with the request's scope in it: the context the request is served in. */
export function contextWithRequestScope(parent: Context, scope: RequestScope): Context {
  return parent.setValue(SCOPE_KEY, scope);
}

/** The scope of the request being served, if any (none outside a request, or with tracing off). */
export function activeRequestScope(): RequestScope | undefined {
  return context.active().getValue(SCOPE_KEY) as RequestScope | undefined;
}
