import { UNMATCHED_ROUTE } from './metric-names';

/** Fastify keeps the matched route's template on the request (`/orders/:id`). */
export function fastifyRoute(request: { routeOptions?: { url?: string } }): string {
  return request.routeOptions?.url || UNMATCHED_ROUTE;
}

/** Where middleware that must see every request is mounted: HTTP metrics on Express, request logs on both. */
export const CATCH_ALL_ROUTE = '{*path}';

/** A template that is nothing but a wildcard (`{*path}`, `/{*path}`, `{/*splat}`, `*`) matches any path. */
function isCatchAll(template: string): boolean {
  return /^\*\w*$/.test(template.replace(/[{}/]/g, ''));
}

/**
 * Express sets `req.route` once a route matched; its path is relative to the router's base URL. Catch-all
 * routes set it too: the metrics middleware's own mount, and the one Nest 12 answers 404s from
 * (`{/*splat}`). A request whose route is only a wildcard matched nothing.
 */
export function expressRoute(request: { baseUrl?: string; route?: { path?: unknown } }): string {
  const path = request.route?.path;
  if (typeof path !== 'string' || isCatchAll(path)) return UNMATCHED_ROUTE;
  return `${request.baseUrl ?? ''}${path}` || '/';
}
