import { randomInt } from 'node:crypto';
import type { AccessTokens } from '../../tooling/tokens';
import { orderBody } from '../../tooling/order-requests';
import type { BenchDatabase } from './bench-database';

/** The demo catalog's SKUs (seeded by the API on its first start). */
export const DEMO_SKUS = [
  'SKU-001',
  'SKU-002',
  'SKU-003',
  'SKU-004',
  'SKU-005',
  'SKU-006',
  'SKU-007',
  'SKU-008',
];

/** One request's body and its customer's `Authorization` header. */
export interface AuthorizedBody {
  body: string;
  headers: { authorization: string };
}

/**
 * `count` distinct valid `POST /orders` requests, each from a customer of its own (a token signed with
 * the API's key): one line of a random SKU, a card that pays.
 */
export async function orderRequests(count: number, tokens: AccessTokens): Promise<AuthorizedBody[]> {
  return Promise.all(
    Array.from({ length: count }, async (_, i) => ({
      body: JSON.stringify(
        orderBody({ items: [{ sku: DEMO_SKUS[randomInt(DEMO_SKUS.length)], quantity: randomInt(1, 4) }] }),
      ),
      headers: await tokens.headers(`c-bench-${i + 1}`),
    })),
  );
}

/** Places `count` orders, `concurrency` at a time; resolves with their paths and their customers' headers. */
export async function placeOrders(
  baseUrl: string,
  count: number,
  tokens: AccessTokens,
  concurrency = 8,
): Promise<PlacedOrder[]> {
  return placeRequests(baseUrl, await orderRequests(count, tokens), concurrency);
}

/** An order placed: where to read it, and its customer's headers. */
export interface PlacedOrder {
  path: string;
  headers: { authorization: string };
}

/**
 * Places one order per request, `concurrency` at a time; resolves with their paths and customers' headers
 * in the order of `requests`, so that two APIs given the same requests hold the same orders at the same index.
 */
export async function placeRequests(
  baseUrl: string,
  requests: AuthorizedBody[],
  concurrency = 8,
): Promise<PlacedOrder[]> {
  const placed = new Array<PlacedOrder>(requests.length);
  let next = 0;
  const worker = async () => {
    while (next < requests.length) {
      const index = next++;
      const { body, headers } = requests[index];
      const response = await fetch(`${baseUrl}/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
      });
      if (response.status !== 202)
        throw new Error(`POST /orders answered ${response.status}: ${await response.text()}`);
      placed[index] = { path: response.headers.get('location')!, headers };
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return placed;
}

/** Stock that no benchmark can exhaust, so every order takes the same path to COMPLETED. */
export async function fillStock(db: BenchDatabase): Promise<void> {
  await db.query(`UPDATE products SET stock = 1000000000`);
}

/** Orders not yet COMPLETED, FAILED or CANCELLED. */
export async function unfinishedOrders(db: BenchDatabase): Promise<number> {
  const [row] = await db.query<{ n: string }>(
    `SELECT count(*) AS n FROM orders WHERE status NOT IN ('COMPLETED', 'FAILED', 'CANCELLED')`,
  );
  return Number(row.n);
}

/** Waits until every saga has finished, so the next measurement does not share the machine with them. */
export async function waitForSagas(db: BenchDatabase, timeoutMs = 180_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let left = await unfinishedOrders(db); left > 0; left = await unfinishedOrders(db)) {
    if (Date.now() > deadline) throw new Error(`${left} orders still unfinished after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
