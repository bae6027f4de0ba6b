import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { MIGRATIONS } from '@app/database';
import { createTestDatabase, type TestDatabase } from '../../../tooling/database';
import { freePort } from '../../../tooling/free-port';
import { insertPendingOrder, insertProduct } from '../../../tooling/order-fixtures';
import { startServerProcess, type ServerProcess } from '../../../tooling/processes';
import { parseExposition, valueOf, type Exposition } from '../../../tooling/prometheus-text';
import { loadJobsConfig } from '../src/config/jobs.config';
import { runJobs } from '../src/run-jobs';

const DAY_S = 86_400;

/** What a delivery row says: its status, and how many days ago it was delivered or given up. */
type DeliveryState =
  { status: 'pending' } | { status: 'delivered'; daysAgo: number } | { status: 'dead'; daysAgo: number };

/**
 * The retention of webhook data, run by the batch jobs against real PostgreSQL (every migration) and a real
 * Pushgateway: what goes, what stays, batches, the time budget and the metrics pushed.
 */
describe('batch jobs: webhook retention (real PostgreSQL, real Pushgateway)', () => {
  let db: TestDatabase;
  let pushgateway: ServerProcess | undefined;
  let pushgatewayUrl: string;
  let workDir: string;
  let endpoints: { a: string; b: string };
  let orderIds: string[];

  beforeAll(async () => {
    db = await createTestDatabase();
    const schema = new DataSource({ type: 'postgres', url: db.url, migrations: MIGRATIONS });
    await schema.initialize();
    await schema.runMigrations();
    await schema.destroy();
    const port = await freePort();
    pushgatewayUrl = `http://127.0.0.1:${port}`;
    workDir = mkdtempSync(path.join(tmpdir(), 'pushgateway-'));
    pushgateway = await startServerProcess(
      'prometheus-pushgateway',
      [`--web.listen-address=127.0.0.1:${port}`, `--persistence.file=${path.join(workDir, 'metrics')}`],
      { readyUrl: `${pushgatewayUrl}/-/ready` },
    );
    await insertProduct(db, 'RET-1', 10);
    orderIds = [];
    for (let n = 0; n < 3; n++) orderIds.push((await insertPendingOrder(db, { sku: 'RET-1' })).orderId);
  });
  afterAll(async () => {
    await pushgateway?.stop();
    await db?.drop();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    await db.query('DELETE FROM webhook_events');
    await db.query('DELETE FROM webhook_endpoints');
    endpoints = { a: await insertEndpoint(), b: await insertEndpoint() };
  });

  async function insertEndpoint(): Promise<string> {
    const id = randomUUID();
    await db.query(
      `INSERT INTO webhook_endpoints (id, url, secret, event_types)
       VALUES ($1, 'https://receiver.example.com/hooks', 'whsec_dGVzdA==', '{order.created}')`,
      [id],
    );
    return id;
  }

  /** An event of `orderId` written `createdDaysAgo` days ago, with a delivery per endpoint in its state. */
  async function insertEvent(
    orderId: string,
    createdDaysAgo: number,
    deliveries: Record<string, DeliveryState> = {},
  ): Promise<string> {
    const [{ seq }] = await db.query<{ seq: string }>(
      `INSERT INTO webhook_events (id, type, order_id, payload, created_at)
       VALUES (gen_random_uuid(), 'order.created', $1, '{}', now() - $2::float8 * interval '1 day')
       RETURNING seq::text`,
      [orderId, createdDaysAgo],
    );
    for (const [endpointId, state] of Object.entries(deliveries))
      await db.query(
        `INSERT INTO webhook_deliveries (event_seq, endpoint_id, order_id, status, attempts, delivered_at, dead_at)
         VALUES ($1, $2, $3, $4::varchar, 1,
                 CASE WHEN $4::varchar = 'delivered' THEN now() - $5::float8 * interval '1 day' END,
                 CASE WHEN $4::varchar = 'dead' THEN now() - $5::float8 * interval '1 day' END)`,
        [seq, endpointId, orderId, state.status, 'daysAgo' in state ? state.daysAgo : 0],
      );
    return seq;
  }

  /** Every event's seq still there, with its deliveries as `endpoint:status`. */
  async function remaining(): Promise<Record<string, string[]>> {
    const rows = await db.query<{ seq: string; deliveries: string[] }>(
      `SELECT e.seq::text,
              COALESCE(array_agg(CASE WHEN d.endpoint_id = $1 THEN 'a' ELSE 'b' END || ':' || d.status
                                 ORDER BY d.endpoint_id = $1 DESC) FILTER (WHERE d.event_seq IS NOT NULL), '{}') AS deliveries
         FROM webhook_events e LEFT JOIN webhook_deliveries d ON d.event_seq = e.seq
        GROUP BY e.seq ORDER BY e.seq`,
      [endpoints.a],
    );
    return Object.fromEntries(rows.map((row) => [row.seq, row.deliveries]));
  }

  const run = (env: Record<string, string> = {}) =>
    runJobs(
      loadJobsConfig({ DATABASE_URL: db.url, PUSHGATEWAY_URL: pushgatewayUrl, LOG_LEVEL: 'silent', ...env }),
    );
  const pushed = async (): Promise<Exposition> =>
    parseExposition(await (await fetch(`${pushgatewayUrl}/metrics`)).text());
  const job = { job: 'webhook_retention_purge' };
  const deliveriesTable = { ...job, table: 'webhook_deliveries' };
  const eventsTable = { ...job, table: 'webhook_events' };

  it('deletes old delivered and dead deliveries with their events, keeps what is recent or pending, and pushes its metrics', async () => {
    const { a, b } = endpoints;
    const [first, second, third] = orderIds;
    const oldDelivered = await insertEvent(first, 31, { [a]: { status: 'delivered', daysAgo: 30.5 } });
    const oldDead = await insertEvent(first, 92, { [a]: { status: 'dead', daysAgo: 91 } });
    const recentDelivered = await insertEvent(first, 29, { [a]: { status: 'delivered', daysAgo: 29 } });
    const recentDead = await insertEvent(first, 89, { [a]: { status: 'dead', daysAgo: 89 } });
    // Pending for 120 days (its endpoint disabled, say): never purged.
    const oldPending = await insertEvent(second, 120, { [a]: { status: 'pending' } });
    // Delivered to A long ago, still pending for B: A's delivery goes, the event stays for B's.
    const halfDelivered = await insertEvent(second, 45, {
      [a]: { status: 'delivered', daysAgo: 45 },
      [b]: { status: 'pending' },
    });
    // The order's earlier event is pending for B, so its later one waits for B behind it (per-order
    // ordering); the later one was delivered to A long ago. Both stay, with their pending deliveries.
    const earlierPending = await insertEvent(third, 50, { [b]: { status: 'pending' } });
    const laterWaiting = await insertEvent(third, 49, {
      [a]: { status: 'delivered', daysAgo: 49 },
      [b]: { status: 'pending' },
    });
    // Events without any delivery (their endpoint deleted): past the delivered window, and within it.
    const oldOrphan = await insertEvent(first, 31);
    const recentOrphan = await insertEvent(first, 29);
    const ordersBefore = await db.query('SELECT id, status FROM orders ORDER BY id');
    const historyBefore = await db.query('SELECT id FROM order_status_history ORDER BY id');

    const before = Date.now() / 1000;
    const { webhookRetention } = await run();

    expect(webhookRetention).toEqual({
      // Deliveries: the old delivered and the old dead one, and A's of the two events kept for B's. Events:
      // those two deliveries', and the old one without deliveries.
      purged: { deliveries: 4, events: 3 },
      batches: 2, // one batch of deliveries (5 < 1000), one of the sweep
      caughtUp: true,
      overdueSeconds: { deliveries: 0, events: 0 },
    });
    expect(await remaining()).toEqual({
      [recentDelivered]: ['a:delivered'],
      [recentDead]: ['a:dead'],
      [oldPending]: ['a:pending'],
      [halfDelivered]: ['b:pending'],
      [earlierPending]: ['b:pending'],
      [laterWaiting]: ['b:pending'],
      [recentOrphan]: [],
    });
    for (const gone of [oldDelivered, oldDead, oldOrphan]) expect(await remaining()).not.toHaveProperty(gone);
    // Orders and their history are business records: untouched.
    expect(await db.query('SELECT id, status FROM orders ORDER BY id')).toEqual(ordersBefore);
    expect(await db.query('SELECT id FROM order_status_history ORDER BY id')).toEqual(historyBefore);

    const metrics = await pushed();
    expect(valueOf(metrics, 'webhook_retention_purged_total', deliveriesTable)).toBe(4);
    expect(valueOf(metrics, 'webhook_retention_purged_total', eventsTable)).toBe(3);
    expect(valueOf(metrics, 'webhook_retention_overdue_seconds', deliveriesTable)).toBe(0);
    expect(valueOf(metrics, 'webhook_retention_overdue_seconds', eventsTable)).toBe(0);
    expect(valueOf(metrics, 'webhook_retention_caught_up', job)).toBe(1);
    expect(valueOf(metrics, 'webhook_retention_purge_batches', job)).toBe(2);
    expect(valueOf(metrics, 'webhook_retention_purge_duration_seconds', job)).toBeGreaterThan(0);
    expect(
      valueOf(metrics, 'webhook_retention_purge_last_success_timestamp_seconds', job),
    ).toBeGreaterThanOrEqual(Math.floor(before));
    expect(metrics.types.get('webhook_retention_purged_total')).toBe('counter');

    // The next run finds nothing more to delete and says so.
    await expect(run()).resolves.toMatchObject({
      webhookRetention: { purged: { deliveries: 0, events: 0 }, caughtUp: true },
    });
    expect(valueOf(await pushed(), 'webhook_retention_purged_total', deliveriesTable)).toBe(0);
  });

  it('honours the configured windows', async () => {
    const { a } = endpoints;
    const delivered = await insertEvent(orderIds[0], 8, { [a]: { status: 'delivered', daysAgo: 8 } });
    const dead = await insertEvent(orderIds[0], 9, { [a]: { status: 'dead', daysAgo: 8 } });

    const { webhookRetention } = await run({
      WEBHOOK_RETENTION_DELIVERED_DAYS: '7',
      WEBHOOK_RETENTION_DEAD_DAYS: '10',
    });

    expect(webhookRetention.purged).toEqual({ deliveries: 1, events: 1 });
    expect(Object.keys(await remaining())).toEqual([dead]);
    expect(await remaining()).not.toHaveProperty(delivered);
  });

  it('purges in batches of the configured size until one comes back short', async () => {
    const { a } = endpoints;
    for (let n = 0; n < 3; n++)
      await insertEvent(orderIds[0], 40, { [a]: { status: 'delivered', daysAgo: 40 - n } });
    for (let n = 0; n < 2; n++)
      await insertEvent(orderIds[1], 100, { [a]: { status: 'dead', daysAgo: 95 - n } });
    // The last two delivered at the same instant: the first batch ends between them, the next starts there.
    await db.query(
      `UPDATE webhook_deliveries SET delivered_at = (SELECT max(delivered_at) FROM webhook_deliveries)
        WHERE status = 'delivered'
          AND event_seq IN (SELECT event_seq FROM webhook_deliveries WHERE status = 'delivered'
                             ORDER BY delivered_at DESC LIMIT 2)`,
    );
    const kept = await insertEvent(orderIds[2], 1, { [a]: { status: 'delivered', daysAgo: 1 } });

    const { webhookRetention } = await run({ WEBHOOK_RETENTION_PURGE_BATCH_SIZE: '2' });

    // Deliveries 2 + 2 + 1 (short: done), then the sweep looks at the one event left (short: done).
    expect(webhookRetention).toEqual({
      purged: { deliveries: 5, events: 5 },
      batches: 4,
      caughtUp: true,
      overdueSeconds: { deliveries: 0, events: 0 },
    });
    expect(Object.keys(await remaining())).toEqual([kept]);
    expect(valueOf(await pushed(), 'webhook_retention_purged_total', deliveriesTable)).toBe(5);
  });

  it('skips a delivery an operator is redelivering, without waiting for it, and keeps it once redelivered', async () => {
    const { a } = endpoints;
    const redelivered = await insertEvent(orderIds[0], 60, { [a]: { status: 'dead', daysAgo: 95 } });
    const other = await insertEvent(orderIds[0], 61, { [a]: { status: 'dead', daysAgo: 96 } });
    const [{ id: eventId }] = await db.query<{ id: string }>('SELECT id FROM webhook_events WHERE seq = $1', [
      redelivered,
    ]);
    // The redelivery route's statement, in a transaction still open: it holds the row.
    const operator = new Client({ connectionString: db.url });
    await operator.connect();
    try {
      await operator.query('BEGIN');
      await operator.query(
        `UPDATE webhook_deliveries d SET status = 'pending', dead_at = NULL, next_attempt_at = clock_timestamp(),
                redelivered_at = clock_timestamp()
           FROM webhook_events ev
          WHERE ev.seq = d.event_seq AND ev.id = $2 AND d.endpoint_id = $1 AND d.status IN ('dead', 'delivered')`,
        [a, eventId],
      );

      const { webhookRetention } = await run();

      expect(webhookRetention.purged).toEqual({ deliveries: 1, events: 1 });
      await operator.query('COMMIT');
    } finally {
      await operator.end();
    }
    expect(await remaining()).toEqual({ [redelivered]: ['a:pending'] });
    expect(await remaining()).not.toHaveProperty(other);
  });

  it('stops at its time budget and pushes how far behind it is', async () => {
    // 20,000 deliveries 40 days past delivery, one per batch: far more than a second of transactions.
    await db.query(
      `WITH events AS (
         INSERT INTO webhook_events (id, type, order_id, payload, created_at)
         SELECT gen_random_uuid(), 'order.created', $1, '{}', now() - interval '41 days'
           FROM generate_series(1, 20000)
         RETURNING seq, order_id)
       INSERT INTO webhook_deliveries (event_seq, endpoint_id, order_id, status, attempts, delivered_at)
       SELECT seq, $2, order_id, 'delivered', 1, now() - interval '40 days' FROM events`,
      [orderIds[0], endpoints.a],
    );

    const { webhookRetention } = await run({
      WEBHOOK_RETENTION_PURGE_BATCH_SIZE: '1',
      WEBHOOK_RETENTION_PURGE_MAX_SECONDS: '1',
    });

    const { purged, batches, caughtUp, overdueSeconds } = webhookRetention;
    expect(caughtUp).toBe(false);
    expect(purged.deliveries).toBeGreaterThan(0);
    expect(purged.deliveries).toBeLessThan(20_000);
    expect(purged.events).toBe(purged.deliveries);
    expect(batches).toBe(purged.deliveries);
    // The oldest delivery left was delivered 40 days ago: 10 days past its retention of 30.
    expect(overdueSeconds.deliveries).toBeGreaterThan(10 * DAY_S - 60);
    expect(overdueSeconds.deliveries).toBeLessThan(10 * DAY_S + 60);
    // The sweep never started: the oldest event (41 days) bounds how far behind the events are.
    expect(overdueSeconds.events).toBeGreaterThan(11 * DAY_S - 60);
    const [{ left }] = await db.query<{ left: number }>(
      'SELECT count(*)::int AS left FROM webhook_deliveries',
    );
    expect(left).toBe(20_000 - purged.deliveries);

    const metrics = await pushed();
    expect(valueOf(metrics, 'webhook_retention_caught_up', job)).toBe(0);
    expect(valueOf(metrics, 'webhook_retention_overdue_seconds', deliveriesTable)).toBe(
      overdueSeconds.deliveries,
    );
    expect(valueOf(metrics, 'webhook_retention_purged_total', deliveriesTable)).toBe(purged.deliveries);
  });
});
