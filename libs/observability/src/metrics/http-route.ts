import { UNMATCHED_ROUTE } from './metric-names';

/** Fastify keeps the matched route's template on the request (`/orders/:id`). */
export function fastifyRoute(request: { routeOptions?: { url?: string } }): string {
  return request.routeOptions?.url || UNMATCHED_ROUTE;
}

/** Where the Express metrics middleware is mounted (a catch-all, so it sees every request). */
export const EXPRESS_METRICS_MOUNT = '{*path}';

/**
 * Express sets `req.route` once a route matched; its path is relative to the router's base URL. The
 * metrics middleware's own catch-all mount sets it too: a request that got no further matched nothing.
 */
export function expressRoute(request: { baseUrl?: string; route?: { path?: unknown } }): string {
  const path = request.route?.path;
  if (typeof path !== 'string' || path.replace(/^\//, '') === EXPRESS_METRICS_MOUNT) return UNMATCHED_ROUTE;
  return `${request.baseUrl ?? ''}${path}` || '/';
}
