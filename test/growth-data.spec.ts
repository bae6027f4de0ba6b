import { MIGRATIONS } from '@app/database';
import { ORDERS_SQL } from '@app/orders';
import { DataSource } from 'typeorm';
import { nextSizeVerdict } from '../benchmarks/support/growth-budget';
import { GrowthData, LARGEST_CUSTOMER } from '../benchmarks/support/growth-data';
import {
  growthOf,
  latencyTable,
  type GrowthReport,
  type SizeResult,
} from '../benchmarks/support/growth-report';
import { parseSizes } from '../benchmarks/growth.bench';
import { Teardown } from '../benchmarks/support/teardown';
import { createTestDatabase, type TestDatabase } from '../tooling/database';

const UNFINISHED = ['PENDING', 'INVENTORY_RESERVED', 'PAID', 'SHIPPED'];

describe("the growth benchmark's data (real PostgreSQL, the migrated schema)", () => {
  let db: TestDatabase;
  let teardown: Teardown;
  let data: GrowthData;

  beforeAll(async () => {
    db = await createTestDatabase('growth_data');
    const schema = new DataSource({ type: 'postgres', url: db.url, migrations: MIGRATIONS });
    await schema.initialize();
    await schema.runMigrations();
    await schema.destroy();
    teardown = new Teardown();
    data = await GrowthData.open(
      db,
      { unfinished: 100, stuck: 5, webhookUrl: 'https://hooks.example.com/orders', sessions: 2 },
      teardown,
    );
    await data.growTo(3_000, () => undefined);
  });
  afterAll(async () => {
    await teardown?.close();
    await db?.drop();
  });

  const one = async <T>(sql: string, params: unknown[] = []) => (await db.query<T>(sql, params))[0];

  it('holds the orders asked for, 100 of them unfinished: 95 in flight and 5 stuck', async () => {
    await data.refreshInFlight();
    expect(await one<{ n: number }>('SELECT count(*)::int AS n FROM orders')).toEqual({ n: 3_000 });
    expect(await data.unfinishedCounts()).toEqual({ inFlight: 95, stuck: 5 });
  });

  it('finishes orders in realistic shares, FAILED ones with their reason and CANCELLED ones by the customer', async () => {
    const shares = await db.query<{ status: string; share: number; without_reason: number }>(
      `SELECT status, count(*)::float8 / sum(count(*)) OVER () AS share,
              count(*) FILTER (WHERE failure_reason IS NULL)::int AS without_reason
         FROM orders WHERE status IN ('COMPLETED', 'FAILED', 'CANCELLED') GROUP BY status`,
    );
    const of = (status: string) => shares.find((row) => row.status === status)!;
    expect(of('COMPLETED').share).toBeGreaterThan(0.86);
    expect(of('FAILED').share).toBeGreaterThan(0.04);
    expect(of('FAILED').share).toBeLessThan(0.08);
    expect(of('CANCELLED').share).toBeGreaterThan(0.02);
    expect(of('FAILED').without_reason).toBe(0);
    expect(
      await one<{ n: number }>(
        `SELECT count(*)::int AS n FROM orders WHERE status = 'CANCELLED' AND failure_reason <> 'CANCELLED_BY_CUSTOMER'`,
      ),
    ).toEqual({ n: 0 });
  });

  it('gives every order 1–3 lines, a payment, its status history from PENDING and 4–5 changes per finished order', async () => {
    const row = await one<Record<string, number>>(
      `WITH l AS (SELECT order_id, count(*) AS n FROM order_lines GROUP BY 1),
            h AS (SELECT order_id, count(*) AS n, min(id) AS first FROM order_status_history GROUP BY 1)
       SELECT count(*) FILTER (WHERE l.n IS NULL OR l.n > 3)::int AS bad_lines,
              count(*) FILTER (WHERE p.order_id IS NULL)::int AS no_payment,
              count(*) FILTER (WHERE o.status = 'COMPLETED' AND h.n <> 5)::int AS completed_not_5,
              avg(h.n) FILTER (WHERE o.status IN ('COMPLETED', 'FAILED', 'CANCELLED'))::float8 AS finished_changes,
              count(*) FILTER (WHERE f.to_status <> 'PENDING' OR f.from_status IS NOT NULL)::int AS bad_first,
              count(*) FILTER (WHERE last.to_status <> o.status)::int AS last_not_status
         FROM orders o
         LEFT JOIN l ON l.order_id = o.id
         LEFT JOIN h ON h.order_id = o.id
         LEFT JOIN payments p ON p.order_id = o.id
         LEFT JOIN order_status_history f ON f.id = h.first
         LEFT JOIN LATERAL (SELECT to_status FROM order_status_history x WHERE x.order_id = o.id
                             ORDER BY x.id DESC LIMIT 1) last ON true`,
    );
    expect(row).toEqual({
      bad_lines: 0,
      no_payment: 0,
      completed_not_5: 0,
      finished_changes: expect.any(Number),
      bad_first: 0,
      last_not_status: 0,
    });
    expect(row.finished_changes).toBeGreaterThanOrEqual(4);
    expect(row.finished_changes).toBeLessThanOrEqual(5);
  });

  it('ships, reserves and charges exactly the orders that got that far', async () => {
    expect(
      await one(
        `SELECT count(*) FILTER (WHERE s.order_id IS NULL AND o.status IN ('SHIPPED', 'COMPLETED'))::int AS unshipped,
                count(*) FILTER (WHERE s.order_id IS NOT NULL AND o.status IN ('PENDING', 'INVENTORY_RESERVED', 'PAID'))::int AS early,
                count(*) FILTER (WHERE o.status = 'COMPLETED' AND p.status <> 'CAPTURED')::int AS uncaptured,
                count(*) FILTER (WHERE o.status = 'COMPLETED' AND r.n IS NULL)::int AS unreserved
           FROM orders o
           JOIN payments p ON p.order_id = o.id
           LEFT JOIN shipments s ON s.order_id = o.id
           LEFT JOIN (SELECT order_id, count(*) AS n FROM inventory_reservations GROUP BY 1) r ON r.order_id = o.id`,
      ),
    ).toEqual({ unshipped: 0, early: 0, uncaptured: 0, unreserved: 0 });
  });

  it("writes each order's webhook events with its view at that moment as payload, each delivered once to the endpoint", async () => {
    expect(
      await one(
        `SELECT count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM webhook_events e WHERE e.order_id = o.id AND e.type = 'order.created'))::int AS uncreated,
                (SELECT count(*) FROM webhook_events e
                  WHERE (SELECT count(*) FROM webhook_deliveries d WHERE d.event_seq = e.seq) <> 1)::int AS not_once
           FROM orders o`,
      ),
    ).toEqual({ uncreated: 0, not_once: 0 });
    // The last event of a finished order carries what the API answers for it now, times aside.
    const orders = await db.query<{ id: string; payload: Record<string, unknown> }>(
      `SELECT DISTINCT ON (o.id) o.id, e.payload FROM orders o JOIN webhook_events e ON e.order_id = o.id
        WHERE o.status IN ('COMPLETED', 'FAILED', 'CANCELLED') ORDER BY o.id, e.seq DESC LIMIT 50`,
    );
    for (const order of orders) {
      const [{ view }] = await db.query<{ view: Record<string, unknown> }>(ORDERS_SQL.view, [order.id, null]);
      expect(order.payload).toEqual({ ...view, updatedAt: expect.any(String) });
    }
  });

  it('gives the largest customer about 1 % of the orders and spreads them over two years', async () => {
    const row = await one<{ largest: number; oldest_days: number; newest_days: number }>(
      `SELECT count(*) FILTER (WHERE customer_id = $1)::int AS largest,
              (extract(epoch FROM now() - min(created_at)) / 86400)::float8 AS oldest_days,
              (extract(epoch FROM now() - max(created_at)) / 86400)::float8 AS newest_days
         FROM orders`,
      [LARGEST_CUSTOMER],
    );
    expect(row.largest).toBeGreaterThan(15);
    expect(row.largest).toBeLessThan(50);
    expect(row.oldest_days).toBeGreaterThan(300);
    expect(row.oldest_days).toBeLessThanOrEqual(730);
    expect(row.newest_days).toBeLessThan(1);
  });

  it('replaces the stuck orders reconciliation finished when it grows, keeping 100 unfinished', async () => {
    await db.query(
      `UPDATE orders SET status = 'COMPLETED', updated_at = now()
        WHERE status = ANY ($1) AND updated_at < now() - interval '15 minutes'`,
      [UNFINISHED],
    );
    await data.refreshInFlight();
    expect(await data.unfinishedCounts()).toEqual({ inFlight: 95, stuck: 0 });
    const step = await data.growTo(4_000, () => undefined);
    await data.refreshInFlight();
    expect(step).toMatchObject({ orders: 4_000, added: 1_000 });
    expect(await data.unfinishedCounts()).toEqual({ inFlight: 95, stuck: 5 });
  });
});

describe('the growth benchmark: sizes, budget and report', () => {
  it('reads --sizes as ascending whole numbers, with k and M', () => {
    expect(parseSizes('10k,1M,10_000_000')).toEqual([10_000, 1_000_000, 10_000_000]);
    expect(() => parseSizes('1M,10k')).toThrow(/ascending/);
    expect(() => parseSizes('10k,lots')).toThrow(/"lots"/);
    expect(() => parseSizes('500')).toThrow(/at least 1000/);
  });

  it("stops before a size whose filling, at the last step's rate, passes 15 minutes or 20 GB", () => {
    const soFar = {
      orders: 1_000_000,
      seconds: 400,
      lastStep: { added: 990_000, seconds: 390 },
      databaseBytes: 1e9,
    };
    expect(nextSizeVerdict(2_000_000, soFar)).toMatchObject({ fits: true });
    const tooLong = nextSizeVerdict(10_000_000, soFar);
    expect(tooLong).toMatchObject({ fits: false, reason: expect.stringMatching(/over the 15 min budget/) });
    const tooBig = nextSizeVerdict(3_000_000, { ...soFar, databaseBytes: 10e9 });
    expect(tooBig).toMatchObject({
      fits: false,
      reason: expect.stringMatching(/30\.0 GB .* over the 20\.0 GB/),
    });
    const noDisk = nextSizeVerdict(2_000_000, { ...soFar, freeBytes: 0.5e9 });
    expect(noDisk).toMatchObject({ fits: false, reason: expect.stringMatching(/0\.5 GB free/) });
  });

  it('divides the largest size by the smallest for each call and flags what grew more than 1.5 times', () => {
    const size = (orders: number, p50: number, p99: number): SizeResult => ({
      orders,
      fill: { orders, added: orders, insertS: 1, vacuumAnalyzeS: 1, rows: {} },
      storage: { databaseBytes: 0, tables: [] },
      unfinished: { inFlight: 0, stuck: 0 },
      calls: { list: { p50, p99, samples: 200 }, purge: { unavailable: 'not yet available' } },
      notes: [],
    });
    const report: GrowthReport = {
      settings: {},
      calls: ['list', 'purge'],
      sizes: [size(10_000, 2, 4), size(1_000_000, 2.5, 10)],
      notes: [],
    };
    expect(growthOf(report, 'list')).toEqual({ p50: 1.25, p99: 2.5 });
    expect(growthOf(report, 'purge')).toBeUndefined();
    const table = latencyTable(report).split('\n');
    expect(table[0]).toMatch(
      /^\| Call +\| 10k: p50 \/ p99 ms \| +1M: p50 \/ p99 ms \| p50 1M \/ 10k \| p99 1M \/ 10k \|$/,
    );
    expect(table[2]).toMatch(/\| list .*2\.00 \/ 4\.00 .*2\.50 \/ 10\.0 .*1\.25 .*2\.50 ⚠ \|$/);
    expect(table[3]).toMatch(/\| purge .*not yet available .*not yet available .*— .*— \|$/);
  });
});
