/** The API cannot take the load: unreachable, not ready, or without a catalog. One line for the user. */
export class ApiUnavailableError extends Error {
  override readonly name = 'ApiUnavailableError';
}

export interface JsonResponse<T> {
  status: number;
  body: T | undefined;
}

/** GET `path` and parse the JSON answer; network failures reject with a one-line reason. */
export async function getJson<T>(
  baseUrl: string,
  path: string,
  timeoutMs: number,
  headers: Record<string, string> = {},
): Promise<JsonResponse<T>> {
  let response: Response;
  try {
    response = await fetch(`${baseUrl}${path}`, { headers, signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    throw new Error(describeFetchError(error, timeoutMs), { cause: error });
  }
  const text = await response.text();
  let body: T | undefined;
  try {
    body = text ? (JSON.parse(text) as T) : undefined;
  } catch {
    body = undefined;
  }
  return { status: response.status, body };
}

/**
 * Checks that the API is ready (`GET /health/ready`) and reads its catalog (`GET /products`, every
 * page up to 1,000 products); resolves the SKUs to order.
 */
export async function checkApi(baseUrl: string, timeoutMs: number): Promise<string[]> {
  let ready: JsonResponse<unknown>;
  try {
    ready = await getJson(baseUrl, '/health/ready', timeoutMs);
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
    const query: string = `/products?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    let page: JsonResponse<{ items?: Array<{ sku?: unknown }>; nextCursor?: string | null }>;
    try {
      page = await getJson(baseUrl, query, timeoutMs);
    } catch (error) {
      throw new ApiUnavailableError(`cannot read the catalog at ${baseUrl}: ${(error as Error).message}`);
    }
    if (page.status !== 200 || !Array.isArray(page.body?.items))
      throw new ApiUnavailableError(
        `cannot read the catalog at ${baseUrl}: GET /products answered ${page.status}`,
      );
    for (const item of page.body.items) if (typeof item.sku === 'string') skus.push(item.sku);
    cursor = page.body.nextCursor ?? null;
  } while (cursor && skus.length < 1_000);
  if (skus.length === 0)
    throw new ApiUnavailableError(`the catalog at ${baseUrl} is empty: nothing to order`);
  return skus;
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
