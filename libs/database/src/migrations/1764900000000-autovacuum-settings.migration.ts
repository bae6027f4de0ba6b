import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The autovacuum storage parameters of the tables whose updates cannot be HOT, by table.
 * - `orders`: every update sets `updated_at` (a key of `orders_unfinished_updated`) and most change
 *   `status` (in `orders_status_created`), so each leaves a dead row version and a dead entry in every
 *   index, where the unfinished orders are read (the stuck list, the oldest unfinished order at every
 *   scrape). Vacuumed after 1 % of its rows plus 1,000 changed instead of 20 %, analyzed after 2 % plus
 *   1,000 instead of 10 %.
 * - `webhook_deliveries`: a delivery's move from `pending` changes the status of its partial indexes. The
 *   dispatcher's claim is planned from the share of pending deliveries the last ANALYZE saw: while the
 *   statistics say there are none, a backlog of thousands makes each claim take seconds, and the backlog
 *   stops draining. Analyzed after every 2,000 changes whatever its size, vacuumed like `orders`.
 */
export const AUTOVACUUM_SETTINGS = {
  orders: {
    autovacuum_vacuum_scale_factor: 0.01,
    autovacuum_vacuum_threshold: 1000,
    autovacuum_analyze_scale_factor: 0.02,
    autovacuum_analyze_threshold: 1000,
  },
  webhook_deliveries: {
    autovacuum_vacuum_scale_factor: 0.01,
    autovacuum_vacuum_threshold: 1000,
    autovacuum_analyze_scale_factor: 0,
    autovacuum_analyze_threshold: 2000,
  },
} as const;

/**
 * Autovacuum and autoanalyze of `orders` and `webhook_deliveries` by the rows changed rather than by the
 * table's size (`AUTOVACUUM_SETTINGS`). PostgreSQL's defaults wait for 20 % of a table to be dead before
 * vacuuming it and 10 % changed before analyzing it: 200,000 dead order versions at a million orders, about
 * 43,000 orders placed. Measured in BENCHMARKS.md ("Hot-table hygiene"); what they do and what to watch:
 * docs/operations.md ("Vacuum and the hot tables").
 *
 * Storage parameters take a SHARE UPDATE EXCLUSIVE lock: reads and writes go on while this runs.
 */
export class AutovacuumSettings1764900000000 implements MigrationInterface {
  name = 'AutovacuumSettings1764900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const [table, settings] of Object.entries(AUTOVACUUM_SETTINGS))
      await queryRunner.query(
        `ALTER TABLE ${table} SET (${Object.entries(settings)
          .map(([name, value]) => `${name} = ${value}`)
          .join(', ')})`,
      );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const [table, settings] of Object.entries(AUTOVACUUM_SETTINGS))
      await queryRunner.query(`ALTER TABLE ${table} RESET (${Object.keys(settings).join(', ')})`);
  }
}
