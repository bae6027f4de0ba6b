import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Webhooks: the endpoints operators register, the transactional outbox of order events (written in the
 * transaction of the change that causes them) and one delivery row per event and subscribing endpoint.
 */
export class Webhooks1764000000000 implements MigrationInterface {
  name = 'Webhooks1764000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE webhook_endpoints (
        id           uuid           PRIMARY KEY,
        url          varchar(2048)  NOT NULL,
        secret       varchar(128)   NOT NULL,
        event_types  varchar(32)[]  NOT NULL CHECK (cardinality(event_types) > 0),
        enabled      boolean        NOT NULL DEFAULT true,
        description  varchar(500),
        created_at   timestamptz    NOT NULL DEFAULT now(),
        updated_at   timestamptz    NOT NULL DEFAULT now()
      )`);
    // seq orders events (per order they are written one transaction after the other); id is what
    // receivers de-duplicate on.
    await queryRunner.query(`
      CREATE TABLE webhook_events (
        seq            bigserial    PRIMARY KEY,
        id             uuid         NOT NULL UNIQUE,
        type           varchar(32)  NOT NULL,
        order_id       uuid         NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
        payload        jsonb        NOT NULL,
        trace_carrier  jsonb        NOT NULL DEFAULT '{}',
        created_at     timestamptz  NOT NULL DEFAULT clock_timestamp()
      )`);
    await queryRunner.query(`
      CREATE TABLE webhook_deliveries (
        event_seq         bigint       NOT NULL REFERENCES webhook_events (seq) ON DELETE CASCADE,
        endpoint_id       uuid         NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
        order_id          uuid         NOT NULL,
        status            varchar(16)  NOT NULL DEFAULT 'pending'
                                       CHECK (status IN ('pending', 'delivered', 'dead')),
        attempts          integer      NOT NULL DEFAULT 0 CHECK (attempts >= 0),
        next_attempt_at   timestamptz  NOT NULL DEFAULT clock_timestamp(),
        leased_until      timestamptz,
        last_attempt_at   timestamptz,
        last_status_code  smallint,
        last_error        varchar(500),
        delivered_at      timestamptz,
        dead_at           timestamptz,
        redelivered_at    timestamptz,
        PRIMARY KEY (event_seq, endpoint_id)
      )`);
    // What the dispatcher claims: pending rows that are due.
    await queryRunner.query(
      `CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending'`,
    );
    // Per-order ordering: is an earlier event of the same order still pending for this endpoint?
    await queryRunner.query(
      `CREATE INDEX webhook_deliveries_pending_order ON webhook_deliveries (endpoint_id, order_id, event_seq)
         WHERE status = 'pending'`,
    );
    // An endpoint's deliveries by status, newest first (the admin API's list).
    await queryRunner.query(
      `CREATE INDEX webhook_deliveries_endpoint_status ON webhook_deliveries (endpoint_id, status, event_seq DESC)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE webhook_deliveries`);
    await queryRunner.query(`DROP TABLE webhook_events`);
    await queryRunner.query(`DROP TABLE webhook_endpoints`);
  }
}
