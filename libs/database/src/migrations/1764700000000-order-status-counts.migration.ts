import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Orders per status, kept as orders change, so that `orders_by_status` reads a few rows instead of
 * counting every order at each scrape:
 * - `order_status_count_deltas`: insert-only, no index, no key. Triggers on `orders` add a row in the
 *   transaction of every change: +n per status for an INSERT statement, -1 / +1 for each status change,
 *   -n for a DELETE, the negated totals for a TRUNCATE. Writers only ever insert here, so concurrent
 *   orders never wait on one another for a counter row.
 * - `order_status_counts`: one row per status, the total of the deltas folded so far. One process folds
 *   (`DELETE … RETURNING` the deltas, added to the totals in the same statement), so these rows have a
 *   single writer. The true count of a status is its total plus its deltas not yet folded, in any
 *   snapshot: an order's change and its delta commit together, and a fold moves deltas to totals at once.
 * - `order_status_count_reconciliation`: one row, the last reconciliation (the true count compared with
 *   the kept one in one snapshot, the difference added as a delta), its time and the drift it corrected.
 *
 * The triggers are created before the totals are counted, in this migration's transaction: creating them
 * waits for the transactions writing orders and holds new ones until the commit, so every order is
 * counted once, by the backfill or by a trigger.
 */
export class OrderStatusCounts1764700000000 implements MigrationInterface {
  name = 'OrderStatusCounts1764700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE order_status_count_deltas (
        status  varchar(32)  NOT NULL,
        delta   bigint       NOT NULL
      )`);
    await queryRunner.query(`
      CREATE TABLE order_status_counts (
        status  varchar(32)  PRIMARY KEY,
        count   bigint       NOT NULL
      )`);
    await queryRunner.query(`
      CREATE TABLE order_status_count_reconciliation (
        singleton      boolean      PRIMARY KEY DEFAULT true CHECK (singleton),
        reconciled_at  timestamptz  NOT NULL,
        duration_ms    integer      NOT NULL CHECK (duration_ms >= 0),
        drift          jsonb        NOT NULL
      )`);
    // Statement-level for INSERT and DELETE: one delta per status and statement, however many rows.
    await queryRunner.query(`
      CREATE FUNCTION order_status_counts_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO order_status_count_deltas (status, delta)
        SELECT status, count(*) FROM inserted_orders GROUP BY status;
        RETURN NULL;
      END $$`);
    await queryRunner.query(`
      CREATE FUNCTION order_status_counts_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO order_status_count_deltas (status, delta)
        SELECT status, -count(*) FROM deleted_orders GROUP BY status;
        RETURN NULL;
      END $$`);
    // Row-level for a status change, and only when the status changes (the WHEN clause costs no call):
    // an UPDATE trigger with transition tables may not name columns, so it would run for every update.
    await queryRunner.query(`
      CREATE FUNCTION order_status_counts_moved() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO order_status_count_deltas (status, delta) VALUES (OLD.status, -1), (NEW.status, 1);
        RETURN NULL;
      END $$`);
    // TRUNCATE holds every writer of orders off: the kept counts, read in one statement, are negated.
    await queryRunner.query(`
      CREATE FUNCTION order_status_counts_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO order_status_count_deltas (status, delta)
        SELECT status, -sum(n) FROM (
          SELECT status, count AS n FROM order_status_counts
          UNION ALL SELECT status, delta FROM order_status_count_deltas) kept
        GROUP BY status HAVING sum(n) <> 0;
        RETURN NULL;
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER order_status_counts_insert AFTER INSERT ON orders
        REFERENCING NEW TABLE AS inserted_orders
        FOR EACH STATEMENT EXECUTE FUNCTION order_status_counts_inserted()`);
    await queryRunner.query(`
      CREATE TRIGGER order_status_counts_delete AFTER DELETE ON orders
        REFERENCING OLD TABLE AS deleted_orders
        FOR EACH STATEMENT EXECUTE FUNCTION order_status_counts_deleted()`);
    await queryRunner.query(`
      CREATE TRIGGER order_status_counts_move AFTER UPDATE OF status ON orders
        FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status)
        EXECUTE FUNCTION order_status_counts_moved()`);
    await queryRunner.query(`
      CREATE TRIGGER order_status_counts_truncate AFTER TRUNCATE ON orders
        FOR EACH STATEMENT EXECUTE FUNCTION order_status_counts_truncated()`);
    // The backfill, after the triggers: no order is changing now, and none will until the commit.
    await queryRunner.query(
      `INSERT INTO order_status_counts (status, count) SELECT status, count(*) FROM orders GROUP BY status`,
    );
    await queryRunner.query(
      `INSERT INTO order_status_count_reconciliation (reconciled_at, duration_ms, drift) VALUES (now(), 0, '{}')`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER order_status_counts_truncate ON orders`);
    await queryRunner.query(`DROP TRIGGER order_status_counts_move ON orders`);
    await queryRunner.query(`DROP TRIGGER order_status_counts_delete ON orders`);
    await queryRunner.query(`DROP TRIGGER order_status_counts_insert ON orders`);
    await queryRunner.query(`DROP FUNCTION order_status_counts_truncated()`);
    await queryRunner.query(`DROP FUNCTION order_status_counts_moved()`);
    await queryRunner.query(`DROP FUNCTION order_status_counts_deleted()`);
    await queryRunner.query(`DROP FUNCTION order_status_counts_inserted()`);
    await queryRunner.query(`DROP TABLE order_status_count_reconciliation`);
    await queryRunner.query(`DROP TABLE order_status_counts`);
    await queryRunner.query(`DROP TABLE order_status_count_deltas`);
  }
}
