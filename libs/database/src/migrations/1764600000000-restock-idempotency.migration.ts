import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `restock_idempotency_keys`: one row per operator and `Idempotency-Key` of `POST /products/:sku/restock`,
 * written in the transaction that adds the stock, with the hash of the request and the answer it got. A
 * key is remembered until `expires_at`; after it the key counts as unused, and the jobs purge the row in
 * bounded batches (the index on `expires_at`). `response` is written by the same transaction right after
 * the stock change, so no other transaction ever sees it empty.
 */
export class RestockIdempotency1764600000000 implements MigrationInterface {
  name = 'RestockIdempotency1764600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE restock_idempotency_keys (
        operator_id      varchar(64)   NOT NULL,
        idempotency_key  varchar(255)  NOT NULL,
        request_hash     char(64)      NOT NULL,
        sku              varchar(64)   NOT NULL,
        response         jsonb,
        created_at       timestamptz   NOT NULL DEFAULT now(),
        expires_at       timestamptz   NOT NULL,
        PRIMARY KEY (operator_id, idempotency_key),
        CHECK (expires_at > created_at)
      )`);
    await queryRunner.query(
      `CREATE INDEX restock_idempotency_keys_expires ON restock_idempotency_keys (expires_at)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE restock_idempotency_keys`);
  }
}
