import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Read contracts between the domain libraries: views a library publishes over its own table, so that
 * another library reads the columns it promises, never the table itself.
 * - `payment_summaries` (payments): an order's payment as a customer may see it, no token, no expiry.
 * - `shipment_summaries` (shipping): an order's shipment as a customer may see it.
 * The order view joins them in its one statement; PostgreSQL inlines such views, so the plan is the
 * same as reading the tables.
 */
export class ReadContracts1764300000000 implements MigrationInterface {
  name = 'ReadContracts1764300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE VIEW payment_summaries AS
      SELECT order_id, method, card_brand AS brand, card_last4 AS last4, status FROM payments`);
    await queryRunner.query(`
      CREATE VIEW shipment_summaries AS
      SELECT order_id, carrier, tracking_number FROM shipments`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP VIEW shipment_summaries`);
    await queryRunner.query(`DROP VIEW payment_summaries`);
  }
}
