import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Drops `webhook_deliveries_due` (pending deliveries by `next_attempt_at`). The dispatcher's claim walks an
 * endpoint's pending deliveries in event order through `webhook_deliveries_endpoint_status` and asks, per
 * candidate, whether an earlier event of its order is still pending through
 * `webhook_deliveries_pending_order`. With the due index present and statistics taken while nothing was
 * pending, the planner answered that question with a scan of the due index per candidate: a claim of 50
 * among 8,000 pending deliveries read about a million buffers and took seconds, until the next ANALYZE.
 * Without it, no other index answers the question cheaply at any estimate, and the backlog gauges read the
 * pending deliveries per endpoint through `webhook_deliveries_pending_order` as before.
 *
 * `IF EXISTS`: on a busy table an operator may run `DROP INDEX CONCURRENTLY webhook_deliveries_due`
 * beforehand, which does not wait for or block the dispatcher; this then finds nothing to drop.
 */
export class WebhookClaimPlan1765000000000 implements MigrationInterface {
  name = 'WebhookClaimPlan1765000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX IF EXISTS webhook_deliveries_due`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE INDEX IF NOT EXISTS webhook_deliveries_due ON webhook_deliveries (next_attempt_at)
         WHERE status = 'pending'`,
    );
  }
}
