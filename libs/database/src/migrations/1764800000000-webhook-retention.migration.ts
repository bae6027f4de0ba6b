import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Webhook retention: the jobs delete deliveries `delivered` or `dead` for longer than their retention, oldest
 * first, in small batches. A partial index per final status, on the time it was reached, lets each batch
 * read its rows from the head of an index instead of scanning the table, and lets the job read the oldest
 * one kept (how far behind the purge is) in one index probe.
 *
 * `IF NOT EXISTS`: on a large table, an operator may build both indexes beforehand with
 * `CREATE INDEX CONCURRENTLY` (the same definitions), which does not block writes; this then finds them.
 */
export class WebhookRetention1764800000000 implements MigrationInterface {
  name = 'WebhookRetention1764800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE INDEX IF NOT EXISTS webhook_deliveries_delivered_at ON webhook_deliveries (delivered_at)
         WHERE status = 'delivered'`,
    );
    await queryRunner.query(
      `CREATE INDEX IF NOT EXISTS webhook_deliveries_dead_at ON webhook_deliveries (dead_at)
         WHERE status = 'dead'`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX IF EXISTS webhook_deliveries_dead_at`);
    await queryRunner.query(`DROP INDEX IF EXISTS webhook_deliveries_delivered_at`);
  }
}
