import { DataSource } from 'typeorm';
import { Logger } from '@nestjs/common';
import { MIGRATIONS, runPendingMigrations } from '@app/database';
import { createTestDatabase, type TestDatabase } from '../../../../tooling/database';
import { CLAIM_SQL } from './webhook-deliveries.sql';

const DELIVERED = 100_000;
const PENDING = 4_000;
const BATCH = 50;

interface PlanNode {
  'Shared Hit Blocks': number;
  'Shared Read Blocks': number;
}

/**
 * The dispatcher's claim against real PostgreSQL, planned from statistics taken before a backlog built up
 * (autoanalyze has not run yet): it reads the backlog at most once, not once per candidate.
 */
describe('the webhook claim with statistics that saw no pending delivery', () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  let endpointId: string;

  beforeAll(async () => {
    db = await createTestDatabase('webhook_claim_plan_spec');
    Logger.overrideLogger(['error']);
    dataSource = await new DataSource({ type: 'postgres', url: db.url, migrations: MIGRATIONS }).initialize();
    await runPendingMigrations(dataSource);
    await dataSource.query(`ALTER TABLE webhook_deliveries SET (autovacuum_enabled = false)`);
    [{ id: endpointId }] = await dataSource.query(
      `INSERT INTO webhook_endpoints (id, url, secret, event_types)
       VALUES (gen_random_uuid(), 'http://127.0.0.1:9/hook', 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', '{order.completed}')
       RETURNING id`,
    );
    // Orders 1..20,000 have 5 delivered events each; orders 20,001.. get the pending ones later.
    await dataSource.query(
      `INSERT INTO orders (id, customer_id, request_fingerprint, status, currency, total_amount, shipping_address)
       SELECT ('00000000-0000-4000-8000-' || lpad(i::text, 12, '0'))::uuid, 'claim-plan-spec', repeat('f', 64),
              'COMPLETED', 'EUR', 1, '{}'
         FROM generate_series(1, $1) i`,
      [DELIVERED / 5 + PENDING],
    );
    await insertEvents(
      'delivered',
      `SELECT i, (i - 1) % ${DELIVERED / 5} + 1 FROM generate_series(1, ${DELIVERED}) i`,
    );
    await dataSource.query('ANALYZE webhook_deliveries');
    await insertEvents('pending', `SELECT i, ${DELIVERED / 5} + i FROM generate_series(1, ${PENDING}) i`);
  });
  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });

  /** One event per row of `rows` (n, order number), with a delivery of `status` to the endpoint. */
  async function insertEvents(status: 'delivered' | 'pending', rows: string): Promise<void> {
    await dataSource.query(
      `WITH ev AS (
         INSERT INTO webhook_events (id, type, order_id, payload)
         SELECT gen_random_uuid(), 'order.completed', ('00000000-0000-4000-8000-' || lpad(o::text, 12, '0'))::uuid, '{}'
           FROM (${rows}) AS r(n, o) ORDER BY n
         RETURNING seq, order_id)
       INSERT INTO webhook_deliveries (event_seq, endpoint_id, order_id, status, delivered_at)
       SELECT seq, $1, order_id, $2::varchar, CASE WHEN $2::varchar = 'delivered' THEN clock_timestamp() END FROM ev`,
      [endpointId, status],
    );
  }

  it('reads the backlog at most once, and claims only the first pending delivery of each order', async () => {
    // A second pending event of the first pending order: it waits for the first.
    await insertEvents('pending', `SELECT 1, ${DELIVERED / 5 + 1}`);
    const runner = dataSource.createQueryRunner();
    try {
      await runner.startTransaction();
      const [
        {
          'QUERY PLAN': [explained],
        },
      ] = (await runner.query(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${CLAIM_SQL}`, [
        endpointId,
        BATCH,
        30_000,
        null,
      ])) as Array<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>;
      const buffers = explained.Plan['Shared Hit Blocks'] + explained.Plan['Shared Read Blocks'];
      // At most a few per pending delivery (the candidates in event order, or all of them sorted, each
      // with one probe for an earlier event of its order). A plan that scans the backlog for each candidate
      // reads the square of it: about a million buffers here.
      expect(buffers).toBeLessThan(PENDING * 4);

      await runner.rollbackTransaction();
      await runner.startTransaction();
      const claimed = (await runner.query(CLAIM_SQL, [endpointId, PENDING + 1, 30_000, null])) as [
        Array<{ event_seq: string; order_id: string }>,
        number,
      ];
      const rows = claimed[0];
      expect(rows).toHaveLength(PENDING);
      expect(new Set(rows.map((row) => row.order_id)).size).toBe(PENDING);
      const [{ max }] = await runner.query(
        `SELECT max(event_seq)::text AS max FROM webhook_deliveries WHERE endpoint_id = $1`,
        [endpointId],
      );
      expect(rows.map((row) => row.event_seq)).not.toContain(max);
    } finally {
      if (runner.isTransactionActive) await runner.rollbackTransaction();
      await runner.release();
    }
  });
});
