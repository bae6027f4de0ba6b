import { DEMO_CATALOG } from '@app/inventory';
import { Client } from 'pg';
import type { BenchDatabase } from './bench-database';
import type { Log } from './report';
import type { Teardown } from './teardown';

/** The unfinished statuses, in the order the saga moves through them. */
const UNFINISHED = ['PENDING', 'INVENTORY_RESERVED', 'PAID', 'SHIPPED'] as const;
const FORWARD = [...UNFINISHED, 'COMPLETED'] as const;
const STEPS = ['reserveInventory', 'chargePayment', 'arrangeShipping', 'completeOrder'] as const;
/** How a FAILED order failed, weighted as they come (declines are the most common). */
const FAILURE_REASONS = [
  'OUT_OF_STOCK',
  'PAYMENT_DECLINED',
  'PAYMENT_DECLINED',
  'PAYMENT_DECLINED',
  'PAYMENT_PROVIDER_UNAVAILABLE',
  'SHIPPING_FAILED',
  'INFRASTRUCTURE_UNAVAILABLE',
  'UNEXPECTED_ERROR',
] as const;
/** The demo catalog's 8 products (60 % of first lines) and 192 others. */
const OTHER_PRODUCTS = 192;
const CATALOG_SIZE = DEMO_CATALOG.length + OTHER_PRODUCTS;
/** Orders written per transaction: at most this many, and small enough that every session gets batches. */
const BATCH = 10_000;
const MIN_BATCH = 1_000;
/** Time between two status changes of an order's saga. */
const STEP = "interval '1.5 seconds'";
/** How far back the orders go: two years, more of them recent (the business grew). */
const HISTORY_DAYS = 730;

/** The largest customer places 1 % of all orders, the next 99 together 9 %, the rest a few each. */
export const LARGEST_CUSTOMER = 'c-1';
/** Customers with many orders (`c-1` … `c-100`); the others are numbered from 101. */
export const BIG_CUSTOMERS = 100;
/** Orders per long-tail customer, on average. */
const ORDERS_PER_SMALL_CUSTOMER = 3;
/** Every SKU of the catalog the fill orders from. */
export const CATALOG_SKUS: readonly string[] = [
  ...DEMO_CATALOG.map((product) => product.sku),
  ...Array.from({ length: OTHER_PRODUCTS }, (_, i) => `SKU-${1001 + i}`),
];
export const GROWTH_FAILURE_REASONS: readonly string[] = [
  ...new Set([...FAILURE_REASONS, 'CANCELLED_BY_CUSTOMER']),
];
/** The shares of finished orders, per mille: FAILED below the first, CANCELLED below the second. */
const FAILED_PER_MILLE = 60;
const CANCELLED_PER_MILLE = 100;

/** A uniform number in [0, 1) derived from `expr` (an integer SQL expression) and `salt`: the same every time. */
const u = (expr: string, salt: number) =>
  `((hashint8extended((${expr})::bigint, ${salt}) & 2147483647)::float8 / 2147483648)`;
/** A version-4-shaped UUID derived from a text expression: stable, and as scattered as random ones. */
const uuidOf = (text: string) =>
  `overlay(overlay(md5(${text}) placing '4' from 13) placing '8' from 17)::uuid`;
const iso = (column: string) => `to_char((${column}) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
const sqlArray = (values: readonly string[]) => `ARRAY[${values.map((v) => `'${v}'`).join(', ')}]`;

/**
 * Orders `from`…`to` of one kind: `finished` (the long tail of customers sized for `target` orders),
 * `stuck` (unfinished, unchanged for 1–48 hours) or `in_flight` (unfinished, with ids of their own so that
 * they can be found again).
 */
interface Part {
  kind: 'finished' | 'stuck' | 'in_flight';
  from: number;
  to: number;
  target: number;
}

/** What the database holds, and how it got there. */
export interface FillStep {
  orders: number;
  /** Orders added by this step. */
  added: number;
  /** Seconds spent inserting, then in VACUUM ANALYZE. */
  insertS: number;
  vacuumAnalyzeS: number;
  rows: Record<string, number>;
}

export interface GrowthDataSettings {
  /** Orders not yet final at every size (in flight and stuck together). */
  unfinished: number;
  /** Of those, orders stuck (unchanged for hours), which `GET /admin/orders/stuck` and reconciliation find. */
  stuck: number;
  /** The URL of the one webhook endpoint, subscribed to every event. */
  webhookUrl: string;
}

/**
 * A database filled in SQL with orders shaped like real ones, grown step by step: each order with 1–3
 * lines from a 200-product catalog, its status history, its payment, its shipment once shipped, its stock
 * reservations, its saga step log, and its webhook events (the order's view as payload, as the outbox
 * writes it) each delivered to one endpoint. Orders spread over two years, more of them recent; one
 * customer places 1 % of them, 99 others 9 %, the rest come from many customers with a few each. Finished
 * orders are 90 % COMPLETED, 6 % FAILED (with their reason), 4 % CANCELLED; `settings.unfinished` orders
 * are not final at every size, `settings.stuck` of them stuck for hours and the rest in flight (their last
 * change a moment ago, see `refreshInFlight`). Inserts run with every index and foreign key in place, as
 * a production database takes them, in transactions of up to 10,000 orders, one per session at a time.
 */
export class GrowthData {
  private orders = 0;
  private nextOrder = 1;
  private inFlight = 0;
  private endpointId = '';
  private optional = { traceId: false, lineCreatedAt: false };

  private constructor(
    /** The first session does everything but the batches, which the sessions share. */
    private readonly sessions: Client[],
    readonly settings: GrowthDataSettings,
  ) {}

  /**
   * Connects to `db`, which must hold the schema already: `sessions` connections (closed by `teardown`),
   * each writing batches of its own, so that the fill keeps every core busy.
   */
  static async open(
    db: BenchDatabase,
    settings: GrowthDataSettings & { sessions: number },
    teardown: Teardown,
  ): Promise<GrowthData> {
    if (settings.stuck > settings.unfinished)
      throw new Error(
        `stuck orders (${settings.stuck}) cannot outnumber unfinished ones (${settings.unfinished})`,
      );
    const sessions = await Promise.all(
      Array.from({ length: Math.max(1, settings.sessions) }, async () => {
        const client = new Client({ connectionString: db.url, application_name: 'growth-fill' });
        await client.connect();
        teardown.defer('close a fill connection', () => client.end());
        return client;
      }),
    );
    const data = new GrowthData(sessions, settings);
    await data.prepare();
    return data;
  }

  /** Orders in the database. */
  get size(): number {
    return this.orders;
  }

  private get client(): Client {
    return this.sessions[0];
  }

  /**
   * Adds orders until there are `target`, then VACUUM ANALYZE (what autovacuum would have done to tables
   * of that age). Stuck orders that reconciliation finished since the last step are replaced, so that
   * unfinished orders stay at `settings.unfinished`.
   */
  async growTo(target: number, log: Log): Promise<FillStep> {
    if (target <= this.orders)
      throw new Error(`the database already holds ${this.orders} orders (asked for ${target})`);
    const first = this.orders === 0;
    if (first && target < this.settings.unfinished * 2)
      throw new Error(`${target} orders cannot hold ${this.settings.unfinished} unfinished ones`);
    const started = Date.now();
    const added = target - this.orders;
    const [{ stuck }] = (
      await this.client.query<{ stuck: number }>(
        `SELECT count(*)::int AS stuck FROM orders WHERE status = ANY ($1) AND id <> ALL ($2)`,
        [UNFINISHED, first ? [] : await this.inFlightIds()],
      )
    ).rows;
    // Each batch: its parts, in one transaction.
    const batches: Part[][] = [];
    let stuckToAdd = Math.max(0, this.settings.stuck - stuck);
    let planned = this.orders;
    if (first) {
      this.inFlight = this.settings.unfinished - this.settings.stuck;
      batches.push([{ kind: 'in_flight', from: 1, to: this.inFlight, target }]);
      planned += this.inFlight;
    }
    // A small step too keeps every session busy (four batches each), so that its rate, which the next
    // step's estimate starts from, is the rate of the whole machine.
    const batchSize = Math.min(
      BATCH,
      Math.max(MIN_BATCH, Math.ceil((target - planned) / (this.sessions.length * 4))),
    );
    while (planned < target) {
      const count = Math.min(batchSize, target - planned);
      const stuckNow = Math.min(stuckToAdd, count);
      const from = this.nextOrder;
      batches.push([
        ...(stuckNow > 0 ? [{ kind: 'stuck' as const, from, to: from + stuckNow - 1, target }] : []),
        ...(count > stuckNow
          ? [{ kind: 'finished' as const, from: from + stuckNow, to: from + count - 1, target }]
          : []),
      ]);
      stuckToAdd -= stuckNow;
      this.nextOrder += count;
      planned += count;
    }
    let lastLog = Date.now();
    let done = this.orders;
    const sizes = batches.map((parts) => parts.reduce((sum, part) => sum + part.to - part.from + 1, 0));
    let next = 0;
    let failed = false;
    await Promise.all(
      this.sessions.map(async (session) => {
        while (!failed && next < batches.length) {
          const index = next++;
          await transaction(session, async () => {
            for (const part of batches[index]) await this.insertBatch(session, this.source(part));
          }).catch((error: unknown) => {
            failed = true; // the other sessions take no further batch
            throw error;
          });
          done += sizes[index];
          if (Date.now() - lastLog > 30_000) {
            lastLog = Date.now();
            const rate = (done - (target - added)) / ((Date.now() - started) / 1000);
            log(
              `  ${done.toLocaleString('en-US')} orders (${Math.round(rate).toLocaleString('en-US')} orders/s)`,
            );
          }
        }
      }),
    );
    this.orders = target;
    const inserted = Date.now();
    await this.vacuumAnalyze();
    return {
      orders: this.orders,
      added,
      insertS: (inserted - started) / 1000,
      vacuumAnalyzeS: (Date.now() - inserted) / 1000,
      rows: await this.rowCounts(),
    };
  }

  /** VACUUM (ANALYZE) of every table, the sessions taking the tables in turn, largest first. */
  private async vacuumAnalyze(): Promise<void> {
    const { rows } = await this.client.query<{ name: string }>(
      `SELECT format('%I', c.relname) AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind = 'r' ORDER BY pg_total_relation_size(c.oid) DESC`,
    );
    let next = 0;
    await Promise.all(
      this.sessions.map(async (session) => {
        while (next < rows.length) await session.query(`VACUUM (ANALYZE) ${rows[next++].name}`);
      }),
    );
  }

  /**
   * In-flight orders changed a moment ago (the last minute), as a running saga keeps them; stuck ones stay
   * as they are. Run before each measurement, since filling takes minutes.
   */
  async refreshInFlight(): Promise<void> {
    await this.client.query(
      `UPDATE orders SET updated_at = now() - interval '1 minute' * random()
        WHERE id = ANY ($1) AND status = ANY ($2)`,
      [await this.inFlightIds(), UNFINISHED],
    );
  }

  /** Unfinished orders now: in flight, and stuck (unchanged for more than 15 minutes). */
  async unfinishedCounts(): Promise<{ inFlight: number; stuck: number }> {
    const [row] = (
      await this.client.query<{ in_flight: number; stuck: number }>(
        `SELECT count(*) FILTER (WHERE updated_at >= now() - interval '15 minutes')::int AS in_flight,
                count(*) FILTER (WHERE updated_at < now() - interval '15 minutes')::int AS stuck
           FROM orders WHERE status = ANY ($1)`,
        [UNFINISHED],
      )
    ).rows;
    return { inFlight: row.in_flight, stuck: row.stuck };
  }

  /** `count` orders or so with their customers, from pages all over the table (for `GET /orders/:id`). */
  async sampleOrders(count: number): Promise<Array<{ id: string; customerId: string }>> {
    const percent = Math.min(100, ((count * 4) / Math.max(this.orders, 1)) * 100);
    const { rows } = await this.client.query<{ id: string; customer_id: string }>(
      `SELECT id, customer_id FROM orders TABLESAMPLE SYSTEM ($1) ORDER BY random() LIMIT $2`,
      [percent, count],
    );
    return rows.map((row) => ({ id: row.id, customerId: row.customer_id }));
  }

  private async prepare(): Promise<void> {
    const columns = await this.client.query<{ table_name: string; column_name: string }>(
      `SELECT table_name, column_name FROM information_schema.columns
        WHERE table_schema = 'public' AND (table_name, column_name) IN (('orders', 'trace_id'), ('order_lines', 'order_created_at'))`,
    );
    const has = (table: string, column: string) =>
      columns.rows.some((row) => row.table_name === table && row.column_name === column);
    this.optional = {
      traceId: has('orders', 'trace_id'),
      lineCreatedAt: has('order_lines', 'order_created_at'),
    };
    await this.client.query(
      `INSERT INTO products (sku, name, unit_price, currency, stock)
       SELECT sku, name, price, 'EUR', 1000000000
         FROM unnest($1::varchar[], $2::varchar[], $3::integer[]) AS d (sku, name, price)
       ON CONFLICT (sku) DO NOTHING`,
      [DEMO_CATALOG.map((p) => p.sku), DEMO_CATALOG.map((p) => p.name), DEMO_CATALOG.map((p) => p.unitPrice)],
    );
    await this.client.query(
      `INSERT INTO products (sku, name, unit_price, currency, stock)
       SELECT 'SKU-' || (1000 + k), 'Catalog product ' || k, 500 + (k * 37) % 5000, 'EUR', 1000000000
         FROM generate_series(1, ${OTHER_PRODUCTS}) k
       ON CONFLICT (sku) DO NOTHING`,
    );
    // Enough stock for whatever reconciliation resumes.
    await this.client.query(`UPDATE products SET stock = 1000000000`);
    // Each session numbers the catalog the same way, in a table of its own.
    for (const session of this.sessions)
      await session.query(
        `CREATE TEMP TABLE growth_catalog AS
         SELECT (row_number() OVER (ORDER BY array_position($1::varchar[], sku)) - 1)::int AS idx, sku, name, unit_price
           FROM products WHERE sku = ANY ($1)`,
        [CATALOG_SKUS],
      );
    const { rows } = await this.client.query<{ n: number }>('SELECT count(*)::int AS n FROM growth_catalog');
    if (rows[0].n !== CATALOG_SIZE)
      throw new Error(`the catalog holds ${rows[0].n} of ${CATALOG_SIZE} products`);
    // One endpoint subscribed to every event, its secret in the Standard Webhooks form.
    const endpoint = await this.client.query<{ id: string }>(
      `INSERT INTO webhook_endpoints (id, url, secret, event_types, description)
       VALUES (gen_random_uuid(), $1,
               'whsec_' || encode(sha256(random()::text::bytea), 'base64'),
               ARRAY['order.created', 'order.completed', 'order.failed', 'order.cancelled',
                     'payment.captured', 'payment.refunded', 'shipment.created']::varchar[],
               'the fulfilment partner') RETURNING id`,
      [this.settings.webhookUrl],
    );
    this.endpointId = endpoint.rows[0].id;
  }

  private async inFlightIds(): Promise<string[]> {
    const { rows } = await this.client.query<{ id: string }>(
      `SELECT ${uuidOf("'in-flight-' || k")} AS id FROM generate_series(1, $1::int) k`,
      [this.inFlight],
    );
    return rows.map((row) => row.id);
  }

  /** The orders of `part`, one row each, with what decides the rest of them: status, customer, lines. */
  private source({ kind, from, to, target }: Part): string {
    const i = kind === 'in_flight' ? '-g.k' : 'g.k';
    const smallCustomers = Math.max(1000, Math.ceil(target / ORDERS_PER_SMALL_CUSTOMER));
    const customer = `CASE WHEN ${u(i, 1)} < 0.01 THEN '${LARGEST_CUSTOMER}'
         WHEN ${u(i, 1)} < 0.10 THEN 'c-' || (2 + floor(${u(i, 4)} * ${BIG_CUSTOMERS - 1}))::int
         ELSE 'c-' || (${BIG_CUSTOMERS + 1} + floor(${u(i, 4)} * ${smallCustomers}))::bigint END`;
    const id = kind === 'in_flight' ? uuidOf("'in-flight-' || g.k") : uuidOf("'order-' || g.k");
    const status =
      kind === 'finished'
        ? `CASE WHEN x.r < ${FAILED_PER_MILLE} THEN 'FAILED' WHEN x.r < ${CANCELLED_PER_MILLE} THEN 'CANCELLED' ELSE 'COMPLETED' END`
        : `(${sqlArray(UNFINISHED)})[1 + (${u(i, 3)} * 4)::int % 4]`;
    const createdAt = {
      finished: `now() - interval '${HISTORY_DAYS} days' * (1 - sqrt(${u(i, 2)}))`,
      stuck: `now() - interval '1 hour' - interval '47 hours' * ${u(i, 2)}`,
      in_flight: `now() - interval '10 minutes' * ${u(i, 2)}`,
    }[kind];
    return `SELECT ${i} AS i, '${kind}'::text AS kind, ${id} AS id, ${customer} AS customer_id,
       ${createdAt} AS created_at, ${status} AS status, x.r,
       CASE WHEN ${u(i, 8)} < 0.5 THEN 1 WHEN ${u(i, 8)} < 0.8 THEN 2 ELSE 3 END AS line_count
  FROM generate_series(${from}, ${to}) g (k)
 CROSS JOIN LATERAL (SELECT floor(${u(i, 3)} * 1000)::int AS r) x`;
  }

  /** Writes the orders `source` yields and everything that belongs to them. */
  private async insertBatch(session: Client, source: string): Promise<void> {
    const q = (sql: string) => session.query(sql);
    await q(`DROP TABLE IF EXISTS growth_batch, growth_lines, growth_orders`);
    await q(`CREATE TEMP TABLE growth_batch AS
SELECT s.*, rs.reason,
       -- how many of PENDING, INVENTORY_RESERVED, PAID, SHIPPED, COMPLETED it reached
       CASE WHEN s.status = 'COMPLETED' THEN 5
            WHEN s.status = 'CANCELLED' THEN 1 + s.r % 3
            WHEN s.status = 'FAILED' THEN CASE rs.reason
              WHEN 'OUT_OF_STOCK' THEN 1 WHEN 'PAYMENT_DECLINED' THEN 2 WHEN 'PAYMENT_PROVIDER_UNAVAILABLE' THEN 2
              WHEN 'SHIPPING_FAILED' THEN 3 ELSE 1 + s.r % 3 END
            ELSE array_position(${sqlArray(UNFINISHED)}, s.status) END AS reached
  FROM (${source}) s
 CROSS JOIN LATERAL (SELECT CASE s.status
         WHEN 'FAILED' THEN (${sqlArray(FAILURE_REASONS)})[1 + s.r % ${FAILURE_REASONS.length}]
         WHEN 'CANCELLED' THEN 'CANCELLED_BY_CUSTOMER' END AS reason) rs`);
    // Distinct SKUs per order (reservations are one row per SKU): the first line is a best seller 60 % of
    // the time, the next ones 67 and 134 places further along the catalog.
    await q(`CREATE TEMP TABLE growth_lines AS
SELECT b.id AS order_id, b.created_at, n AS line_no, c.sku, c.name, c.unit_price,
       1 + floor(${u('b.i * 4 + n', 9)} * 3)::int AS quantity
  FROM growth_batch b
 CROSS JOIN LATERAL generate_series(1, b.line_count) n
  JOIN growth_catalog c ON c.idx = (CASE WHEN ${u('b.i', 5)} < 0.6 THEN floor(${u('b.i', 6)} * 8)::int
                                         ELSE 8 + floor(${u('b.i', 6)} * ${OTHER_PRODUCTS})::int END
                                    + (n - 1) * 67) % ${CATALOG_SIZE}`);
    await q(`CREATE TEMP TABLE growth_orders AS
SELECT b.*, l.total, l.lines_json,
       b.created_at + (b.reached - CASE WHEN b.status IN ('FAILED', 'CANCELLED', 'COMPLETED') THEN 0 ELSE 1 END) * ${STEP}
         AS updated_at,
       CASE WHEN b.status = 'COMPLETED' THEN 'CAPTURED'
            WHEN b.status IN ('FAILED', 'CANCELLED') AND b.reached >= 3 THEN 'REFUNDED'
            WHEN b.reason = 'PAYMENT_DECLINED' THEN 'DECLINED'
            WHEN b.reached >= 3 THEN 'CAPTURED'
            ELSE 'PENDING' END AS payment_status,
       CASE WHEN ${u('b.i', 10)} < 0.7 THEN 'visa' ELSE 'mastercard' END AS card_brand,
       lpad((floor(${u('b.i', 11)} * 10000))::int::text, 4, '0') AS card_last4,
       'SIM' || upper(substr(md5('tracking-' || b.i), 1, 12)) AS tracking_number,
       md5('trace-' || b.i) AS trace_id,
       jsonb_build_object('name', 'Customer ' || b.customer_id, 'line1', (1 + abs(b.i) % 200) || ' Market Street',
                          'city', (ARRAY['Berlin', 'Hamburg', 'Munich', 'Cologne', 'Leipzig'])[1 + b.i % 5],
                          'postalCode', lpad((10000 + abs(b.i) % 89999)::text, 5, '0'), 'country', 'DE') AS address,
       h.history_json
  FROM growth_batch b
  JOIN (SELECT order_id, sum(quantity * unit_price) AS total,
               jsonb_agg(jsonb_build_object('sku', sku, 'name', name, 'quantity', quantity, 'unitPrice', unit_price,
                                            'lineTotal', quantity * unit_price) ORDER BY line_no) AS lines_json
          FROM growth_lines GROUP BY order_id) l ON l.order_id = b.id
 CROSS JOIN LATERAL (
   SELECT jsonb_agg(jsonb_build_object('from', e.from_status, 'status', e.to_status, 'reason', e.reason,
                                       'at', ${iso('b.created_at + (e.n - 1) * ' + STEP)}) ORDER BY e.n) AS history_json
     FROM (SELECT n, (${sqlArray(UNFINISHED)})[n - 1] AS from_status, (${sqlArray(FORWARD)})[n] AS to_status,
                  NULL::text AS reason
             FROM generate_series(1, b.reached) n
           UNION ALL
           SELECT b.reached + 1, (${sqlArray(UNFINISHED)})[b.reached], b.status, b.reason
            WHERE b.status IN ('FAILED', 'CANCELLED')) e) h`);

    await q(`INSERT INTO orders (id, customer_id, idempotency_key, request_fingerprint, status, currency, total_amount,
                    shipping_address, failure_reason, cancel_requested_at, shipping_claimed_at, created_at, updated_at
                    ${this.optional.traceId ? ', trace_id' : ''})
SELECT id, customer_id,
       CASE WHEN ${u('i', 12)} < 0.8 THEN ${uuidOf("'idempotency-' || i")}::text END,
       md5('fingerprint-' || i) || md5('fingerprint2-' || i), status, 'EUR', total, address, reason,
       CASE WHEN status = 'CANCELLED' THEN updated_at - ${STEP} END,
       CASE WHEN reached >= 4 THEN created_at + 3 * ${STEP} END,
       created_at, updated_at ${this.optional.traceId ? ', trace_id' : ''}
  FROM growth_orders o`);
    await q(`INSERT INTO order_lines (order_id, line_no, sku, product_name, quantity, unit_price, line_total
                         ${this.optional.lineCreatedAt ? ', order_created_at' : ''})
SELECT order_id, line_no, sku, name, quantity, unit_price, quantity * unit_price
       ${this.optional.lineCreatedAt ? ', created_at' : ''}
  FROM growth_lines l`);
    await q(`INSERT INTO order_status_history (order_id, from_status, to_status, reason, occurred_at)
SELECT o.id, (${sqlArray(UNFINISHED)})[n - 1], (${sqlArray(FORWARD)})[n], NULL, o.created_at + (n - 1) * ${STEP}
  FROM growth_orders o CROSS JOIN LATERAL generate_series(1, o.reached) n
UNION ALL
SELECT o.id, (${sqlArray(UNFINISHED)})[o.reached], o.status, o.reason, o.updated_at
  FROM growth_orders o WHERE o.status IN ('FAILED', 'CANCELLED')`);
    await q(`INSERT INTO payments (order_id, method, card_brand, card_last4, expiry_month, expiry_year, payment_token,
                      amount, currency, status, provider_reference, decline_code, created_at, updated_at)
SELECT id, 'card', card_brand, card_last4, 1 + abs(i) % 12, extract(year FROM created_at)::int + 1 + abs(i) % 4,
       'sim_tok_' || ${uuidOf("'token-' || i")}, total, 'EUR', payment_status,
       CASE WHEN reached >= 3 THEN 'sim_ch_' || substr(md5('charge-' || i), 1, 24) END,
       CASE WHEN payment_status = 'DECLINED' THEN 'card_declined' END,
       created_at, CASE WHEN reached >= 2 THEN created_at + 2 * ${STEP} ELSE created_at END
  FROM growth_orders o`);
    await q(`INSERT INTO shipments (order_id, carrier, tracking_number, created_at)
SELECT id, 'SIM-EXPRESS', tracking_number, created_at + 3 * ${STEP}
  FROM growth_orders o WHERE o.reached >= 4`);
    await q(`INSERT INTO inventory_reservations (order_id, sku, quantity, status, reserved_at, released_at)
SELECT l.order_id, l.sku, l.quantity,
       CASE WHEN o.status IN ('FAILED', 'CANCELLED') THEN 'RELEASED' ELSE 'RESERVED' END,
       o.created_at + ${STEP}, CASE WHEN o.status IN ('FAILED', 'CANCELLED') THEN o.updated_at END
  FROM growth_lines l JOIN growth_orders o ON o.id = l.order_id
 WHERE o.reached >= 2`);
    await q(`INSERT INTO order_saga_steps (order_id, step, attempts, outcome, last_error, first_started_at, last_started_at,
                              last_finished_at, last_duration_ms)
SELECT s.id, s.step, s.attempts, s.outcome, s.last_error, s.at, s.at, s.at + interval '40 milliseconds', 40 FROM (
  -- the forward steps that moved the order on
  SELECT o.id, (${sqlArray(STEPS)})[n] AS step, 1 AS attempts, 'completed' AS outcome, NULL AS last_error,
         o.created_at + n * ${STEP} AS at
    FROM growth_orders o CROSS JOIN LATERAL generate_series(1, o.reached - 1) n
  UNION ALL
  -- the step where it stopped: failed, refused by a cancellation, or retrying for hours
  SELECT o.id, (${sqlArray(STEPS)})[o.reached],
         CASE WHEN o.kind = 'stuck' OR o.reason NOT IN ('OUT_OF_STOCK', 'PAYMENT_DECLINED', 'CANCELLED_BY_CUSTOMER') THEN 4 ELSE 1 END,
         CASE o.status WHEN 'FAILED' THEN o.reason WHEN 'CANCELLED' THEN 'ORDER_CANCELLED' ELSE 'INFRASTRUCTURE_UNAVAILABLE' END,
         'ApplicationFailure: ' || coalesce(o.reason, 'database unavailable'), o.updated_at
    FROM growth_orders o WHERE o.status IN ('FAILED', 'CANCELLED') OR o.kind = 'stuck'
  UNION ALL
  -- the compensations of a failed or cancelled order
  SELECT o.id, c.step, 1, 'completed', NULL, o.updated_at
    FROM growth_orders o
   CROSS JOIN LATERAL (VALUES ('releaseInventory', 2), ('refundPayment', 3), ('failOrder', 0), ('cancelOrder', 0)) c (step, needs)
   WHERE o.status IN ('FAILED', 'CANCELLED') AND o.reached >= c.needs
     AND (c.step <> 'failOrder' OR o.status = 'FAILED') AND (c.step <> 'cancelOrder' OR o.status = 'CANCELLED')) s`);
    // Each status change the outbox announces, with the order's view at that moment as its payload, and its
    // delivery to the one endpoint (delivered at once; a few of the oldest given up as dead).
    await q(`WITH events AS (
  INSERT INTO webhook_events (id, type, order_id, payload, trace_carrier, created_at)
  SELECT ${uuidOf("'event-' || o.i || '-' || e.k")}, e.type, o.id,
         jsonb_build_object(
           'id', o.id, 'customerId', o.customer_id, 'status', e.status, 'currency', 'EUR', 'total', o.total,
           'failureReason', CASE WHEN e.final THEN o.reason END, 'createdAt', ${iso('o.created_at')},
           'updatedAt', ${iso('e.at')}, 'lines', o.lines_json, 'shippingAddress', o.address,
           'payment', jsonb_build_object('method', 'card', 'brand', o.card_brand, 'last4', o.card_last4,
                                         'status', e.payment_status),
           'shipment', CASE WHEN e.shipped THEN jsonb_build_object('carrier', 'SIM-EXPRESS',
                                                                   'trackingNumber', o.tracking_number) END,
           'cancellationRequested', e.final AND o.status = 'CANCELLED',
           'history', jsonb_path_query_array(o.history_json, '$[0 to $n]', jsonb_build_object('n', e.changes - 1))),
         jsonb_build_object('traceparent', '00-' || o.trace_id || '-' || substr(md5('span-' || o.i || '-' || e.k), 1, 16) || '-01'),
         e.at
    FROM growth_orders o
   CROSS JOIN LATERAL (VALUES
     (1, 'order.created', 'PENDING', 'PENDING', 1, false, false, o.created_at, true),
     (2, 'payment.captured', 'PAID', 'CAPTURED', 3, false, false, o.created_at + 2 * ${STEP}, o.reached >= 3),
     (3, 'shipment.created', 'SHIPPED', 'CAPTURED', 4, true, false, o.created_at + 3 * ${STEP}, o.reached >= 4),
     (4, 'payment.refunded', o.status, 'REFUNDED', jsonb_array_length(o.history_json), o.reached >= 4, true, o.updated_at,
      o.payment_status = 'REFUNDED'),
     (5, CASE o.status WHEN 'COMPLETED' THEN 'order.completed' WHEN 'FAILED' THEN 'order.failed' ELSE 'order.cancelled' END,
      o.status, o.payment_status, jsonb_array_length(o.history_json), o.reached >= 4, true, o.updated_at,
      o.status IN ('COMPLETED', 'FAILED', 'CANCELLED'))
   ) e (k, type, status, payment_status, changes, shipped, final, at, wanted)
   WHERE e.wanted
  RETURNING seq, order_id, created_at)
INSERT INTO webhook_deliveries (event_seq, endpoint_id, order_id, status, attempts, next_attempt_at, last_attempt_at,
                                last_status_code, last_error, delivered_at, dead_at)
SELECT seq, '${this.endpointId}', order_id, CASE WHEN seq % 2000 = 0 THEN 'dead' ELSE 'delivered' END,
       CASE WHEN seq % 2000 = 0 THEN 12 ELSE 1 END, created_at, created_at + interval '80 milliseconds',
       CASE WHEN seq % 2000 = 0 THEN 503 ELSE 200 END,
       CASE WHEN seq % 2000 = 0 THEN 'HTTP 503 from the receiver' END,
       CASE WHEN seq % 2000 <> 0 THEN created_at + interval '80 milliseconds' END,
       CASE WHEN seq % 2000 = 0 THEN created_at + interval '1 day' END
  FROM events`);
  }

  private async rowCounts(): Promise<Record<string, number>> {
    const { rows } = await this.client.query<{ relname: string; n: string }>(
      `SELECT c.relname, c.reltuples::bigint AS n FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace
        WHERE s.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY c.relname`,
    );
    return Object.fromEntries(rows.map((row) => [row.relname, Math.max(0, Number(row.n))]));
  }
}

/** Runs `work` in one transaction of `session`. */
async function transaction(session: Client, work: () => Promise<void>): Promise<void> {
  await session.query('BEGIN');
  try {
    await work();
    await session.query('COMMIT');
  } catch (error) {
    await session.query('ROLLBACK');
    throw error;
  }
}
