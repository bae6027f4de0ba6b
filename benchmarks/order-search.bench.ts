import { startApiProcess } from '../tooling/app-processes';
import { OPERATOR } from '../tooling/tokens';
import { createBenchDatabase, type BenchDatabase } from './support/bench-database';
import { cyclingGets, runLoad, type LoadResult } from './support/load';
import type { BenchResult, Log, RunSettings } from './support/report';
import { median } from './support/stats';
import { Teardown } from './support/teardown';

const ORDERS = 100_000;
const CUSTOMERS = 25_000;
/** The newest orders are still in flight; older unfinished ones are stuck. */
const IN_FLIGHT = 30;
/** One operator searching, each request sent when the previous one is answered. */
const CONNECTIONS = 1;
const GOAL_MS = 50;

const FAILURE_REASONS = [
  'OUT_OF_STOCK',
  'PAYMENT_DECLINED',
  'PAYMENT_DECLINED',
  'PAYMENT_DECLINED',
  'PAYMENT_PROVIDER_UNAVAILABLE',
  'SHIPPING_FAILED',
  'INFRASTRUCTURE_UNAVAILABLE',
  'UNEXPECTED_ERROR',
];
/** The demo catalog's best sellers, 192 other products, and 10 discontinued ones ordered a few times long ago. */
const BEST_SELLERS = Array.from({ length: 8 }, (_, i) => `SKU-00${i + 1}`);
const CATALOG = [...BEST_SELLERS, ...Array.from({ length: 192 }, (_, i) => `SKU-${1001 + i}`)];
const DISCONTINUED = Array.from({ length: 10 }, (_, i) => `SKU-${9001 + i}`);

/**
 * A year of orders shaped as the saga leaves them, oldest first (the table's physical order follows
 * created_at, as it does when orders arrive): 25,000 customers; 1 to 3 lines, 60 % of them best sellers;
 * 5 % FAILED with their reason, 3 % CANCELLED, 0.2 % stuck in an unfinished status, the newest still in
 * flight, the rest COMPLETED; each with its status history and step log (forward steps up to where it
 * stopped, then the compensations). Payments and shipments are left out: no search reads them.
 */
const LOAD_SQL = `
INSERT INTO products (sku, name, unit_price, currency, stock)
SELECT 'SKU-' || (1000 + k), 'Catalog product ' || k, 500 + (k * 37) % 5000, 'EUR', 1000000 FROM generate_series(1, 192) k
UNION ALL
SELECT 'SKU-' || (9000 + k), 'Discontinued product ' || k, 990, 'EUR', 0 FROM generate_series(1, 10) k;

CREATE TEMP TABLE bench_orders AS
SELECT g.i, gen_random_uuid() AS id, g.customer_id, g.created_at, st.status, rs.reason,
       CASE
         WHEN st.status = 'COMPLETED' THEN 5
         WHEN st.status = 'CANCELLED' THEN 1 + g.i % 3
         WHEN st.status = 'FAILED' THEN CASE rs.reason
           WHEN 'OUT_OF_STOCK' THEN 1
           WHEN 'PAYMENT_DECLINED' THEN 2
           WHEN 'PAYMENT_PROVIDER_UNAVAILABLE' THEN 2
           WHEN 'SHIPPING_FAILED' THEN 3
           ELSE 1 + g.i % 3 END
         ELSE array_position(ARRAY['PENDING', 'INVENTORY_RESERVED', 'PAID', 'SHIPPED'], st.status)
       END AS reached,
       g.i > ${ORDERS - IN_FLIGHT} AS in_flight
  FROM (SELECT i, 'c-' || (1 + (hashint4(i) & 2147483647) % ${CUSTOMERS}) AS customer_id,
               (hashint4(i + ${ORDERS}) & 2147483647) % 1000 AS r,
               now() - interval '365 days' * ((${ORDERS} - i)::float8 / ${ORDERS}) AS created_at
          FROM generate_series(1, ${ORDERS}) i) g
 CROSS JOIN LATERAL (SELECT CASE
         WHEN g.i > ${ORDERS - IN_FLIGHT} OR g.r < 2 THEN (ARRAY['PENDING', 'INVENTORY_RESERVED', 'PAID', 'SHIPPED'])[1 + g.i % 4]
         WHEN g.r < 52 THEN 'FAILED'
         WHEN g.r < 82 THEN 'CANCELLED'
         ELSE 'COMPLETED' END AS status) st
 CROSS JOIN LATERAL (SELECT CASE st.status
         WHEN 'FAILED' THEN (ARRAY[${FAILURE_REASONS.map((reason) => `'${reason}'`).join(', ')}])[1 + g.i % ${FAILURE_REASONS.length}]
         WHEN 'CANCELLED' THEN 'CANCELLED_BY_CUSTOMER' END AS reason) rs;

CREATE TEMP TABLE bench_lines AS
SELECT o.i, n AS line_no, p.sku, p.name, 1 + (o.i + n) % 3 AS quantity, p.unit_price
  FROM bench_orders o
 CROSS JOIN LATERAL generate_series(1, 1 + (hashint4(o.i * 7) & 2147483647) % 3) n
 CROSS JOIN LATERAL (SELECT (hashint4(o.i * 4 + n) & 2147483647) % 1000 AS u) x
  JOIN products p ON p.sku = CASE WHEN x.u < 600 THEN 'SKU-00' || (1 + x.u % 8) ELSE 'SKU-' || (1001 + x.u % 192) END
UNION ALL
SELECT o.i, 4, p.sku, p.name, 1, p.unit_price
  FROM bench_orders o JOIN products p ON p.sku = 'SKU-' || (9001 + (o.i / 997) % 10)
 WHERE o.i % 997 = 0 AND o.i < ${ORDERS / 2};

INSERT INTO orders (id, customer_id, request_fingerprint, status, currency, total_amount, shipping_address,
                    failure_reason, created_at, updated_at)
SELECT o.id, o.customer_id, encode(sha256(o.id::text::bytea), 'hex'), o.status, 'EUR', t.total,
       jsonb_build_object('name', 'Customer ' || o.customer_id, 'line1', o.i || ' Main St', 'city', 'Berlin',
                          'postalCode', lpad((10000 + o.i % 90000)::text, 5, '0'), 'country', 'DE'),
       o.reason, o.created_at,
       CASE WHEN o.in_flight THEN now() ELSE o.created_at + o.reached * interval '40 milliseconds' END
  FROM bench_orders o
  JOIN (SELECT i, sum(quantity * unit_price) AS total FROM bench_lines GROUP BY i) t USING (i)
 ORDER BY o.i;

INSERT INTO order_lines (order_id, line_no, sku, product_name, quantity, unit_price, line_total, order_created_at)
SELECT o.id, l.line_no, l.sku, l.name, l.quantity, l.unit_price, l.quantity * l.unit_price, o.created_at
  FROM bench_lines l JOIN bench_orders o USING (i);

INSERT INTO order_status_history (order_id, from_status, to_status, reason, occurred_at)
SELECT id, from_status, to_status, reason, occurred_at FROM (
  SELECT o.i, n, o.id, (ARRAY['PENDING', 'INVENTORY_RESERVED', 'PAID', 'SHIPPED'])[n - 1] AS from_status,
         (ARRAY['PENDING', 'INVENTORY_RESERVED', 'PAID', 'SHIPPED', 'COMPLETED'])[n] AS to_status, NULL AS reason,
         o.created_at + (n - 1) * interval '40 milliseconds' AS occurred_at
    FROM bench_orders o CROSS JOIN LATERAL generate_series(1, o.reached) n
  UNION ALL
  SELECT o.i, 6, o.id, (ARRAY['PENDING', 'INVENTORY_RESERVED', 'PAID', 'SHIPPED'])[o.reached], o.status, o.reason,
         o.created_at + o.reached * interval '40 milliseconds'
    FROM bench_orders o WHERE o.status IN ('FAILED', 'CANCELLED')) h
 ORDER BY i, n;

INSERT INTO order_saga_steps (order_id, step, attempts, outcome, last_error, first_started_at, last_started_at,
                              last_finished_at, last_duration_ms)
SELECT s.id, s.step, s.attempts, s.outcome, s.last_error, s.at, s.at, s.at + interval '3 milliseconds', 3 FROM (
  -- the forward steps that moved the order on
  SELECT o.id, (ARRAY['reserveInventory', 'chargePayment', 'arrangeShipping', 'completeOrder'])[n] AS step,
         1 AS attempts, 'completed' AS outcome, NULL AS last_error, o.created_at + n * interval '40 milliseconds' AS at
    FROM bench_orders o CROSS JOIN LATERAL generate_series(1, o.reached - 1) n
  UNION ALL
  -- the step where it stopped: failed, refused by a cancellation, or still retrying
  SELECT o.id, (ARRAY['reserveInventory', 'chargePayment', 'arrangeShipping', 'completeOrder'])[o.reached],
         CASE WHEN o.status = 'FAILED' AND o.reason NOT IN ('OUT_OF_STOCK', 'PAYMENT_DECLINED') OR o.status NOT IN ('FAILED', 'CANCELLED') THEN 4 ELSE 1 END,
         CASE o.status WHEN 'FAILED' THEN o.reason WHEN 'CANCELLED' THEN 'ORDER_CANCELLED'
           ELSE (ARRAY['INFRASTRUCTURE_UNAVAILABLE', 'PAYMENT_PROVIDER_UNAVAILABLE', 'SHIPPING_FAILED', 'INFRASTRUCTURE_UNAVAILABLE'])[o.reached] END,
         'ApplicationFailure: ' || coalesce(o.reason, 'unavailable'),
         o.created_at + o.reached * interval '40 milliseconds'
    FROM bench_orders o WHERE o.status <> 'COMPLETED' AND NOT o.in_flight
  UNION ALL
  -- the compensations of a failed or cancelled order
  SELECT o.id, c.step, 1, 'completed', NULL, o.created_at + (o.reached + 1) * interval '40 milliseconds'
    FROM bench_orders o
   CROSS JOIN LATERAL (VALUES ('releaseInventory', 2), ('refundPayment', 3), ('failOrder', 0), ('cancelOrder', 0)) c (step, needs)
   WHERE o.status IN ('FAILED', 'CANCELLED') AND o.reached >= c.needs
     AND (c.step <> 'failOrder' OR o.status = 'FAILED') AND (c.step <> 'cancelOrder' OR o.status = 'CANCELLED')) s;

ANALYZE;
`;

interface Search {
  name: string;
  paths: string[];
}

/**
 * f. Operators' order searches over HTTP at 100,000 orders: the API (observability off, so the search
 * itself is what is measured) on a database loaded in SQL with a year of orders, each search answered for
 * one operator sending request after request, its latency percentiles against the 50 ms goal. Each search
 * cycles through values of its filter (customers, weeks, reasons, SKUs), so no one row set stays hot.
 */
export async function orderSearch(settings: RunSettings, log: Log): Promise<BenchResult> {
  const teardown = new Teardown();
  try {
    const db = await createBenchDatabase('bench_order_search', teardown);
    log('starting the API (observability off)…');
    const api = await startApiProcess(
      { DATABASE_URL: db.url },
      { profile: { kind: 'benchmark', name: 'order-search', observability: { kind: 'off' } }, teardown },
    );
    const loadStarted = Date.now();
    await db.query(LOAD_SQL);
    const counts = await tableCounts(db);
    log(
      `loaded ${counts.orders.toLocaleString('en-US')} orders, ${counts.lines.toLocaleString('en-US')} lines, ` +
        `${counts.history.toLocaleString('en-US')} status changes, ${counts.steps.toLocaleString('en-US')} ` +
        `step-log rows in ${((Date.now() - loadStarted) / 1000).toFixed(1)} s`,
    );
    const headers = await api.tokens.headers(OPERATOR);
    const firstPage = async (path: string): Promise<{ items: unknown[]; nextCursor: string | null }> => {
      const response = await fetch(`${api.baseUrl}${path}`, { headers });
      if (response.status !== 200)
        throw new Error(`GET ${path} answered ${response.status}: ${await response.text()}`);
      return (await response.json()) as { items: unknown[]; nextCursor: string | null };
    };

    const week = 7 * 86_400_000;
    const reasons = [...new Set([...FAILURE_REASONS, 'CANCELLED_BY_CUSTOMER'])];
    const secondPageOf = [
      '/admin/orders?status=FAILED',
      ...reasons.map((r) => `/admin/orders?failureReason=${r}`),
    ];
    const secondPages = await Promise.all(
      secondPageOf.map(async (path) => {
        const { nextCursor } = await firstPage(path);
        if (!nextCursor) throw new Error(`GET ${path} has no second page`);
        return `${path}&cursor=${nextCursor}`;
      }),
    );
    const searches: Search[] = [
      { name: 'status=FAILED', paths: ['/admin/orders?status=FAILED'] },
      { name: 'status=PENDING&status=PAID', paths: ['/admin/orders?status=PENDING&status=PAID'] },
      {
        name: 'customerId (500 customers in turn)',
        paths: Array.from(
          { length: 500 },
          (_, i) => `/admin/orders?customerId=c-${1 + ((i * 7919) % CUSTOMERS)}`,
        ),
      },
      {
        name: 'createdFrom/createdTo (one week, 50 weeks in turn)',
        paths: Array.from({ length: 50 }, (_, i) => {
          const to = Date.now() - i * week;
          return `/admin/orders?createdFrom=${new Date(to - week).toISOString()}&createdTo=${new Date(to).toISOString()}`;
        }),
      },
      { name: 'failureReason (each in turn)', paths: reasons.map((r) => `/admin/orders?failureReason=${r}`) },
      { name: 'sku (the 200 products in turn)', paths: CATALOG.map((sku) => `/admin/orders?sku=${sku}`) },
      {
        name: 'sku (discontinued: 5 old orders each)',
        paths: DISCONTINUED.map((sku) => `/admin/orders?sku=${sku}`),
      },
      { name: 'second page (cursor) of status=FAILED and of each failureReason', paths: secondPages },
      { name: 'stuck?olderThan=PT15M', paths: ['/admin/orders/stuck?olderThan=PT15M'] },
    ];
    for (const search of searches) {
      const { items } = await firstPage(search.paths[0]);
      if (items.length === 0)
        throw new Error(`GET ${search.paths[0]} found nothing: the load is not as expected`);
    }

    const run = (search: Search, durationS: number) =>
      runLoad({
        url: api.baseUrl,
        connections: CONNECTIONS,
        durationS,
        requests: cyclingGets(search.paths.map((path) => ({ path, headers }))),
      });
    const warmupS = Math.min(settings.warmupS, 2);
    for (const search of searches) await run(search, warmupS);
    const samples = new Map<Search, LoadResult[]>(searches.map((search) => [search, []]));
    const rounds: unknown[] = [];
    for (let round = 0; round < settings.rounds; round += 1) {
      // The order rotates, so that no search always runs first.
      for (const search of searches.map((_, i) => searches[(i + round) % searches.length])) {
        const result = await run(search, settings.roundS);
        samples.get(search)!.push(result);
        rounds.push({ round: round + 1, search: search.name, ...result });
        log(
          `round ${round + 1}/${settings.rounds} ${search.name}: p50 ${result.p50} ms, p99 ${result.p99} ms ` +
            `(${result.rps.toFixed(0)} req/s)`,
        );
      }
    }

    const p = (search: Search, key: 'p50' | 'p99') => median(samples.get(search)!.map((r) => r[key]));
    const slowest = searches.reduce((a, b) => (p(b, 'p99') > p(a, 'p99') ? b : a));
    const failed = searches.filter((search) => samples.get(search)!.some((r) => r.non2xx + r.errors > 0));
    return {
      id: 'f',
      title: 'Operator order search at 100,000 orders',
      settings: {
        orders: `${counts.orders} (${counts.lines} lines, ${counts.history} status changes, ${counts.steps} step-log rows)`,
        connections: `${CONNECTIONS} (one operator)`,
        'warm-up': `${warmupS} s per search`,
        rounds: `${settings.rounds} × ${settings.roundS} s per search`,
      },
      ratios: [
        {
          name: `slowest search p99 / ${GOAL_MS} ms (${slowest.name})`,
          value: p(slowest, 'p99') / GOAL_MS,
          goal: '< 1',
        },
      ],
      figures: searches.flatMap((search) => [
        { name: `${search.name}: p50`, value: p(search, 'p50'), unit: 'ms' },
        { name: `${search.name}: p99 (goal < ${GOAL_MS} ms)`, value: p(search, 'p99'), unit: 'ms' },
      ]),
      notes: [
        `GET /admin/orders with an operator token, default page size; a search's paths are requested in turn`,
        'latencies are whole milliseconds, as autocannon records them: 0 ms is under 1 ms',
        ...failed.map((search) => `${search.name} answered non-2xx or failed during the runs`),
      ],
      rounds,
    };
  } finally {
    await teardown.close();
  }
}

async function tableCounts(
  db: BenchDatabase,
): Promise<Record<'orders' | 'lines' | 'history' | 'steps', number>> {
  const [row] = await db.query<Record<'orders' | 'lines' | 'history' | 'steps', string>>(
    `SELECT (SELECT count(*) FROM orders) AS orders, (SELECT count(*) FROM order_lines) AS lines,
            (SELECT count(*) FROM order_status_history) AS history, (SELECT count(*) FROM order_saga_steps) AS steps`,
  );
  return {
    orders: Number(row.orders),
    lines: Number(row.lines),
    history: Number(row.history),
    steps: Number(row.steps),
  };
}
