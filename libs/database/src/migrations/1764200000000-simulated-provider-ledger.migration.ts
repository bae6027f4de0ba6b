import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The simulated payment provider's ledger: one row per idempotency key with the first final outcome of
 * the charge or refund made with it, shared by every process as a real provider's ledger is. Replays of a
 * key read it; a capture is a row with kind `charge` and outcome `captured`.
 */
export class SimulatedProviderLedger1764200000000 implements MigrationInterface {
  name = 'SimulatedProviderLedger1764200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE simulated_provider_ledger (
        idempotency_key   varchar(255)  PRIMARY KEY,
        kind              varchar(16)   NOT NULL CHECK (kind IN ('charge', 'refund')),
        outcome           varchar(16)   NOT NULL,
        reference         varchar(64),
        decline_code      varchar(64),
        order_id          uuid,
        charge_reference  varchar(64),
        amount            bigint,
        currency          char(3),
        created_at        timestamptz   NOT NULL DEFAULT now(),
        CHECK ((kind = 'charge' AND outcome IN ('captured', 'declined')) OR (kind = 'refund' AND outcome = 'refunded')),
        CHECK ((outcome = 'declined') = (reference IS NULL))
      )`);
    // What the merchant's order was charged and refunded.
    await queryRunner.query(
      `CREATE INDEX simulated_provider_ledger_order ON simulated_provider_ledger (order_id)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE simulated_provider_ledger`);
  }
}
