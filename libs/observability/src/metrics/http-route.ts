import { UNMATCHED_ROUTE } from './metric-names';

/** Fastify keeps the matched route's template on the request (`/orders/:id`). */
export function fastifyRoute(request: { routeOptions?: { url?: string } }): string {
  return request.routeOptions?.url || UNMATCHED_ROUTE;
}

/** Express sets `req.route` once a route matched; its path is relative to the router's base URL. */
export function expressRoute(request: { baseUrl?: string; route?: { path?: unknown } }): string {
  const path = request.route?.path;
  return typeof path === 'string' ? `${request.baseUrl ?? ''}${path}` || '/' : UNMATCHED_ROUTE;
}
