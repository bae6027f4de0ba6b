import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What operators need to find and follow an order:
 * - `orders.trace_id`: the trace of the request that placed the order, when it was sampled;
 * - `order_saga_steps`: one row per order and saga step, written after every attempt by the step
 *   telemetry (attempts, outcome, last error, timing), with no foreign key so that the write never waits
 *   on the order row's locks;
 * - indexes for the operator search's filters (failure reason; SKU, newest first, with the order's
 *   creation time copied onto its lines) and for the orders that stopped moving (non-terminal, by time of
 *   their last change).
 */
export class OrderAdministration1764400000000 implements MigrationInterface {
  name = 'OrderAdministration1764400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE orders ADD COLUMN trace_id char(32)`);
    await queryRunner.query(`
      CREATE TABLE order_saga_steps (
        order_id          uuid         NOT NULL,
        step              varchar(32)  NOT NULL,
        attempts          integer      NOT NULL CHECK (attempts > 0),
        outcome           varchar(64)  NOT NULL,
        last_error        varchar(500),
        first_started_at  timestamptz  NOT NULL,
        last_started_at   timestamptz  NOT NULL,
        last_finished_at  timestamptz  NOT NULL,
        last_duration_ms  integer      NOT NULL CHECK (last_duration_ms >= 0),
        PRIMARY KEY (order_id, step)
      )`);
    await queryRunner.query(
      `CREATE INDEX orders_failure_reason_created ON orders (failure_reason, created_at DESC, id DESC)
         WHERE failure_reason IS NOT NULL`,
    );
    // A line carries its order's creation time (the same transaction writes both, so now() is the same), so
    // that a SKU's orders are read newest first from one index, however rare or old the SKU.
    await queryRunner.query(`ALTER TABLE order_lines ADD COLUMN order_created_at timestamptz`);
    await queryRunner.query(
      `UPDATE order_lines l SET order_created_at = o.created_at FROM orders o WHERE o.id = l.order_id`,
    );
    await queryRunner.query(
      `ALTER TABLE order_lines ALTER COLUMN order_created_at SET DEFAULT now(),
                               ALTER COLUMN order_created_at SET NOT NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX order_lines_sku_created ON order_lines (sku, order_created_at DESC, order_id DESC)`,
    );
    await queryRunner.query(
      `CREATE INDEX orders_unfinished_updated ON orders (updated_at, id)
         WHERE status IN ('PENDING', 'INVENTORY_RESERVED', 'PAID', 'SHIPPED')`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX orders_unfinished_updated`);
    await queryRunner.query(`DROP INDEX order_lines_sku_created`);
    await queryRunner.query(`ALTER TABLE order_lines DROP COLUMN order_created_at`);
    await queryRunner.query(`DROP INDEX orders_failure_reason_created`);
    await queryRunner.query(`DROP TABLE order_saga_steps`);
    await queryRunner.query(`ALTER TABLE orders DROP COLUMN trace_id`);
  }
}
