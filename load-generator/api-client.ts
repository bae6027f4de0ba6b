import createClient, { type Client } from 'openapi-fetch';
import type { paths } from './api-schema';

/** The API cannot take the load: unreachable, not ready, or without a catalog. One line for the user. */
export class ApiUnavailableError extends Error {
  override readonly name = 'ApiUnavailableError';
}

/** The API's client, typed by its OpenAPI document (api-schema.ts, written by `npm run openapi`). */
export type ApiClient = Client<paths>;

/**
 * A client of the API at `baseUrl` (openapi-fetch): each request gives up after `timeoutMs`, and network
 * failures reject with a one-line reason (connection refused, unknown host, timeout…).
 */
export function createApiClient(baseUrl: string, timeoutMs: number): ApiClient {
  return createClient<paths>({
    baseUrl,
    fetch: async (request) => {
      try {
        return await fetch(request, { signal: AbortSignal.timeout(timeoutMs) });
      } catch (error) {
        throw new Error(describeFetchError(error, timeoutMs), { cause: error });
      }
    },
  });
}

/**
 * Checks that the API is ready (`checkReadiness`) and reads its catalog (`listProducts`, every page up to
 * 1,000 products); resolves the SKUs to order.
 */
export async function checkApi(baseUrl: string, timeoutMs: number): Promise<string[]> {
  const api = createApiClient(baseUrl, timeoutMs);
  let ready: Response;
  try {
    // Only the status matters: the body is read as text, whatever it holds.
    ({ response: ready } = await api.GET('/health/ready', { parseAs: 'text' }));
  } catch (error) {
    throw new ApiUnavailableError(`cannot reach the API at ${baseUrl}: ${(error as Error).message}`);
  }
  if (ready.status !== 200)
    throw new ApiUnavailableError(
      `the API at ${baseUrl} is not ready: GET /health/ready answered ${ready.status}`,
    );

  const skus: string[] = [];
  let cursor: string | null = null;
  do {
    let page: Awaited<ReturnType<typeof listProducts>>;
    try {
      page = await listProducts(api, cursor);
    } catch (error) {
      throw new ApiUnavailableError(`cannot read the catalog at ${baseUrl}: ${(error as Error).message}`);
    }
    const items = page.data?.items;
    if (page.response.status !== 200 || !Array.isArray(items))
      throw new ApiUnavailableError(
        `cannot read the catalog at ${baseUrl}: GET /products answered ${page.response.status}`,
      );
    for (const item of items) if (typeof item.sku === 'string') skus.push(item.sku);
    cursor = page.data?.nextCursor ?? null;
  } while (cursor && skus.length < 1_000);
  if (skus.length === 0)
    throw new ApiUnavailableError(`the catalog at ${baseUrl} is empty: nothing to order`);
  return skus;
}

/** One page of the catalog, the largest the API gives. */
function listProducts(api: ApiClient, cursor: string | null) {
  return api.GET('/products', { params: { query: { limit: 100, cursor: cursor ?? undefined } } });
}

/** `fetch failed` says nothing: name the cause (connection refused, unknown host, timeout…). */
export function describeFetchError(error: unknown, timeoutMs: number): string {
  const err = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (err.name === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
  const code = err.cause?.code;
  const reasons: Record<string, string> = {
    ECONNREFUSED: 'connection refused',
    ENOTFOUND: 'unknown host',
    ECONNRESET: 'connection reset',
    EHOSTUNREACH: 'host unreachable',
    ETIMEDOUT: 'connection timed out',
  };
  if (code) return `${reasons[code] ?? err.cause?.message ?? 'request failed'} (${code})`;
  return err.cause?.message ?? err.message ?? String(error);
}
