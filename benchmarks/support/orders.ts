import { randomInt } from 'node:crypto';
import { orderBody } from '../../test/support/order-requests';
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

/** `count` distinct valid `POST /orders` bodies: random customers, one line of a random SKU, a card that pays. */
export function orderBodies(count: number): string[] {
  return Array.from({ length: count }, () =>
    JSON.stringify(
      orderBody({
        customerId: `c-${randomInt(1, 100_000)}`,
        items: [{ sku: DEMO_SKUS[randomInt(DEMO_SKUS.length)], quantity: randomInt(1, 4) }],
      }),
    ),
  );
}

/** Places `count` orders, `concurrency` at a time; resolves with their ids. */
export async function placeOrders(baseUrl: string, count: number, concurrency = 8): Promise<string[]> {
  const bodies = orderBodies(count);
  const ids: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < bodies.length) {
      const body = bodies[next++];
      const response = await fetch(`${baseUrl}/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      if (response.status !== 202)
        throw new Error(`POST /orders answered ${response.status}: ${await response.text()}`);
      ids.push(((await response.json()) as { id: string }).id);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return ids;
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
