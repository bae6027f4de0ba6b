import { MIGRATIONS } from '@app/database';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { createTestDatabase, type TestDatabase } from '../../../../tooling/database';
import { ALLOWED_TRANSITIONS, ORDER_STATUSES, type OrderStatus } from '../order-status';
import { IllegalOrderTransitionError } from '../orders.errors';
import { OrdersRepository, type NewOrder } from '../orders.repository';
import type { OrderProgress } from '../saga/order-progress';
import { orderProgressOn } from '../saga/steps/step-spec.fixture';
import { OrderStatusCounts } from './order-status-counts.repository';
import { ORDER_STATUS_COUNTS_SQL } from './order-status-counts.sql';

const SKU = 'COUNTS-SPEC-1';

/** Every path an order can take through its lifecycle, from PENDING to a final status. */
function lifecyclePaths(from: OrderStatus = 'PENDING'): OrderStatus[][] {
  const next = ALLOWED_TRANSITIONS[from];
  if (next.length === 0) return [[from]];
  return next.flatMap((to) => lifecyclePaths(to).map((path) => [from, ...path]));
}

/** Statuses whose kept count differs from the count of their orders, both read in one snapshot. */
const MISMATCHES = `WITH actual AS (SELECT status, count(*) AS n FROM orders GROUP BY status),
kept AS (SELECT status, sum(n) AS n FROM (SELECT status, count AS n FROM order_status_counts
           UNION ALL SELECT status, delta FROM order_status_count_deltas) k GROUP BY status)
SELECT status, COALESCE(a.n, 0)::int AS actual, COALESCE(k.n, 0)::int AS kept
  FROM actual a FULL JOIN kept k USING (status) WHERE COALESCE(a.n, 0) <> COALESCE(k.n, 0)`;

/** The kept counts against real orders, written through the repository and saga progress the app uses. */
describe('OrderStatusCounts (real PostgreSQL)', () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  let orders: OrdersRepository;
  let progress: OrderProgress;
  let counts: OrderStatusCounts;

  const newOrder = (): NewOrder => ({
    id: randomUUID(),
    customerId: 'customer-counts',
    idempotencyKey: null,
    requestFingerprint: 'c'.repeat(64),
    currency: 'EUR',
    total: 100,
    shippingAddress: { name: 'Ada', line1: '1 Main St', city: 'Berlin', postalCode: '10115', country: 'DE' },
    lines: [{ lineNo: 1, sku: SKU, productName: SKU, quantity: 1, unitPrice: 100, lineTotal: 100 }],
    traceId: null,
  });
  const place = async (order = newOrder()): Promise<string> => {
    await dataSource.transaction((manager) => orders.insert(manager, order));
    return order.id;
  };
  const move = (orderId: string, to: OrderStatus, reason: string | null = null) =>
    dataSource.transaction((manager) => progress.move(manager, orderId, to, reason));
  /** Orders per status counted from the orders table, every status present. */
  const actual = async (): Promise<Record<string, number>> => {
    const rows = await dataSource.query<Array<{ status: string; n: number }>>(
      'SELECT status, count(*)::int AS n FROM orders GROUP BY status',
    );
    return Object.fromEntries(
      ORDER_STATUSES.map((status) => [status, rows.find((r) => r.status === status)?.n ?? 0]),
    );
  };
  const kept = async (): Promise<Record<string, number>> => {
    const read = await counts.read();
    return Object.fromEntries(ORDER_STATUSES.map((status) => [status, read.get(status) ?? 0]));
  };
  const mismatches = () =>
    dataSource.query<Array<{ status: string; actual: number; kept: number }>>(MISMATCHES);
  const deltaRows = async () =>
    Number((await dataSource.query('SELECT count(*) AS n FROM order_status_count_deltas'))[0].n);
  const totals = async () =>
    Object.fromEntries(
      (
        await dataSource.query<Array<{ status: string; count: string }>>(
          'SELECT status, count FROM order_status_counts',
        )
      ).map((row) => [row.status, Number(row.count)]),
    );

  beforeAll(async () => {
    db = await createTestDatabase('order_status_counts_spec');
    // Enough connections for the concurrent transitions below.
    dataSource = new DataSource({ type: 'postgres', url: db.url, migrations: MIGRATIONS, poolSize: 16 });
    await dataSource.initialize();
    await dataSource.runMigrations();
    await dataSource.query(
      `INSERT INTO products (sku, name, unit_price, currency, stock) VALUES ($1, $1, 100, 'EUR', 1000000)`,
      [SKU],
    );
    orders = new OrdersRepository(dataSource);
    progress = orderProgressOn(dataSource, { orders });
    counts = new OrderStatusCounts(dataSource);
  });
  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });
  afterEach(async () => {
    // Every test leaves the kept counts right, whatever it did to them.
    await counts.reconcile(0);
    expect(await mismatches()).toEqual([]);
  });

  it('counts a placed order as PENDING, once, and a replayed placement not at all', async () => {
    const before = await kept();
    const order = { ...newOrder(), idempotencyKey: `key-${randomUUID()}` };
    await expect(dataSource.transaction((m) => orders.insert(m, order))).resolves.toBe(true);
    const replay = { ...newOrder(), customerId: order.customerId, idempotencyKey: order.idempotencyKey };
    await expect(dataSource.transaction((m) => orders.insert(m, replay))).resolves.toBe(false);

    expect(await kept()).toEqual({ ...before, PENDING: before.PENDING + 1 });
    expect(await kept()).toEqual(await actual());
  });

  it('follows every path of the lifecycle, transition by transition, before and after a fold', async () => {
    const paths = lifecyclePaths();
    expect(paths).toHaveLength(8); // completed; failed from each status; cancelled before shipping
    for (const path of paths) {
      const id = await place();
      for (const to of path.slice(1)) {
        await move(id, to, to === 'FAILED' ? 'PAYMENT_DECLINED' : null);
        expect(await mismatches()).toEqual([]);
      }
      // A repeated step moves nothing, and counts nothing.
      const last = path[path.length - 1];
      expect((await move(id, last)).moved).toBe(false);
      // A move the lifecycle refuses is rolled back with its delta.
      await expect(move(id, 'PENDING')).rejects.toBeInstanceOf(IllegalOrderTransitionError);
      expect(await mismatches()).toEqual([]);
    }
    const before = await kept();
    await counts.fold();
    expect(await deltaRows()).toBe(0);
    expect(await kept()).toEqual(before);
    expect(await totals()).toEqual(
      Object.fromEntries(Object.entries(await actual()).filter(([, n]) => n !== 0)),
    );
  });

  it('counts a cancellation through its request and the move to CANCELLED', async () => {
    const id = await place();
    await move(id, 'INVENTORY_RESERVED');
    expect(await orders.requestCancellation(id, 'customer-counts')).toBe(true);
    expect(await mismatches()).toEqual([]);
    const before = await kept();
    await move(id, 'CANCELLED');
    expect(await kept()).toEqual({
      ...before,
      INVENTORY_RESERVED: before.INVENTORY_RESERVED - 1,
      CANCELLED: before.CANCELLED + 1,
    });
  });

  it('counts orders written by any statement: many rows at once, direct updates, deletes', async () => {
    await dataSource.query(
      `INSERT INTO orders (id, customer_id, request_fingerprint, status, currency, total_amount, shipping_address)
       SELECT gen_random_uuid(), 'bulk', $1, (ARRAY['PENDING','PAID','COMPLETED'])[1 + i % 3], 'EUR', 1, '{}'
         FROM generate_series(1, 300) i`,
      ['b'.repeat(64)],
    );
    expect(await mismatches()).toEqual([]);
    await dataSource.query(
      `UPDATE orders SET status = 'FAILED' WHERE customer_id = 'bulk' AND status = 'PAID'`,
    );
    // An update that leaves the status as it was writes no delta.
    const rows = await deltaRows();
    await dataSource.query(`UPDATE orders SET updated_at = now() WHERE customer_id = 'bulk'`);
    expect(await deltaRows()).toBe(rows);
    expect(await mismatches()).toEqual([]);
    await dataSource.query(`DELETE FROM orders WHERE customer_id = 'bulk'`);
    expect(await mismatches()).toEqual([]);
  });

  it('keeps the sums right under concurrent transitions from many connections, folds running meanwhile', async () => {
    const ids = await Promise.all(Array.from({ length: 120 }, () => place()));
    const paths = lifecyclePaths();
    let folding = true;
    const folds = (async () => {
      let n = 0;
      while (folding) {
        await counts.fold();
        n++;
      }
      return n;
    })();
    // Each order walks a path of its own; two workers race on each order, as a retried step would.
    const walk = async (id: string, path: OrderStatus[]) => {
      for (const to of path.slice(1)) {
        await move(id, to, to === 'FAILED' ? 'SHIPPING_FAILED' : null).catch((error: unknown) => {
          // The other worker got there first and moved the order on: a refused move, never a deadlock.
          if (!(error instanceof IllegalOrderTransitionError)) throw error;
        });
      }
    };
    const workers = ids.flatMap((id, i) => {
      const path = paths[i % paths.length];
      return [walk(id, path), walk(id, path)];
    });
    const checks = (async () => {
      const seen: unknown[] = [];
      while (folding) seen.push(...(await mismatches()));
      return seen;
    })();
    await Promise.all(workers);
    folding = false;
    expect(await checks).toEqual([]);
    expect(await folds).toBeGreaterThan(0);
    await counts.fold();
    expect(await kept()).toEqual(await actual());
    const finals = await dataSource.query<Array<{ status: string; n: number }>>(
      'SELECT status, count(*)::int AS n FROM orders WHERE id = ANY ($1) GROUP BY status ORDER BY status',
      [ids],
    );
    expect(finals.reduce((sum, row) => sum + row.n, 0)).toBe(ids.length);
  });

  describe('reconciliation', () => {
    it('finds the drift of tampered totals, corrects it by a delta and records it', async () => {
      await place();
      await counts.fold();
      const truth = await actual();
      await dataSource.query(`UPDATE order_status_counts SET count = count + 5 WHERE status = 'PENDING'`);
      await dataSource.query(`DELETE FROM order_status_counts WHERE status = 'COMPLETED'`);
      await dataSource.query(`INSERT INTO order_status_counts (status, count) VALUES ('NO_SUCH_STATUS', 2)`);
      expect(await kept()).not.toEqual(truth);

      const outcome = await counts.reconcile(0);
      expect(outcome.skipped).toBe(false);
      if (outcome.skipped) return;
      const drift = Object.fromEntries(
        outcome.statuses.filter((s) => s.drift !== 0).map((s) => [s.status, s.drift]),
      );
      expect(drift).toEqual({ PENDING: -5, COMPLETED: truth.COMPLETED, NO_SUCH_STATUS: -2 });
      expect(await kept()).toEqual(truth);
      // Corrected by deltas, never by overwriting a total.
      expect(await deltaRows()).toBe(3);
      const last = await counts.lastReconciliation();
      expect(last?.drift).toEqual(drift);
      expect(last!.reconciledAt).toBeGreaterThan(Date.now() / 1000 - 60);

      const again = await counts.reconcile(0);
      expect(again.skipped || again.statuses.every((s) => s.drift === 0)).toBe(true);
    });

    it('runs once per interval across processes, and two at once correct the drift once', async () => {
      await counts.reconcile(0);
      const skipped = await counts.reconcile(3_600);
      expect(skipped).toMatchObject({ skipped: true });
      expect(skipped.skipped && skipped.dueInSeconds).toBeGreaterThan(3_500);

      await dataSource.query(`UPDATE order_status_counts SET count = count + 7 WHERE status = 'CANCELLED'`);
      const other = new OrderStatusCounts(dataSource);
      const [first, second] = await Promise.all([counts.reconcile(0), other.reconcile(0)]);
      const corrected = [first, second].flatMap((o) =>
        o.skipped ? [] : o.statuses.filter((s) => s.drift !== 0).map((s) => s.drift),
      );
      expect(corrected).toEqual([-7]);
      expect(await mismatches()).toEqual([]);
    });

    it('loses no concurrent transition: what it adds is the drift only', async () => {
      const ids = await Promise.all(Array.from({ length: 40 }, () => place()));
      await dataSource.query(`UPDATE order_status_counts SET count = count - 3 WHERE status = 'PENDING'`);
      const moving = Promise.all(
        ids.map(async (id) => {
          await move(id, 'INVENTORY_RESERVED');
          await move(id, 'PAID');
        }),
      );
      const outcome = await counts.reconcile(0);
      await moving;
      expect(outcome.skipped).toBe(false);
      expect(!outcome.skipped && outcome.statuses.filter((s) => s.drift !== 0)).toEqual([
        expect.objectContaining({ status: 'PENDING', drift: 3 }),
      ]);
      expect(await mismatches()).toEqual([]);
    });
  });

  it('counts nothing left after a TRUNCATE of orders, folded deltas or not', async () => {
    await Promise.all(Array.from({ length: 5 }, () => place()));
    await counts.fold();
    const id = await place();
    await move(id, 'FAILED', 'PAYMENT_DECLINED');
    expect(Object.values(await kept()).some((n) => n > 0)).toBe(true);

    await dataSource.query('TRUNCATE orders CASCADE');

    expect(await kept()).toEqual(Object.fromEntries(ORDER_STATUSES.map((status) => [status, 0])));
    expect(await mismatches()).toEqual([]);
  });

  it('reads the kept counts without touching orders: a plan over the counts tables only', async () => {
    const relations = async (sql: string): Promise<string[]> => {
      const [{ 'QUERY PLAN': plan }] = await dataSource.query(`EXPLAIN (FORMAT JSON) ${sql}`);
      const found = new Set<string>();
      const walk = (node: Record<string, unknown>) => {
        if (typeof node['Relation Name'] === 'string') found.add(node['Relation Name']);
        for (const child of (node.Plans as Array<Record<string, unknown>>) ?? []) walk(child);
      };
      walk(plan[0].Plan);
      return [...found].sort();
    };
    expect(await relations(ORDER_STATUS_COUNTS_SQL.read)).toEqual([
      'order_status_count_deltas',
      'order_status_counts',
    ]);
    expect(await relations(ORDER_STATUS_COUNTS_SQL.lastReconciliation)).toEqual([
      'order_status_count_reconciliation',
    ]);
    // The reconciliation is the one statement that reads every order.
    expect(await relations(ORDER_STATUS_COUNTS_SQL.compare)).toContain('orders');
  });
});
