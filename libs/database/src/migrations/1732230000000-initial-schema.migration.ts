import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Catalog, orders with their history, reservations, payments and shipments. Money is in minor units. */
export class InitialSchema1732230000000 implements MigrationInterface {
  name = 'InitialSchema1732230000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE products (
        sku          varchar(64)  PRIMARY KEY,
        name         varchar(200) NOT NULL,
        unit_price   integer      NOT NULL CHECK (unit_price >= 0),
        currency     char(3)      NOT NULL,
        stock        integer      NOT NULL CHECK (stock >= 0),
        created_at   timestamptz  NOT NULL DEFAULT now(),
        updated_at   timestamptz  NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE orders (
        id                   uuid         PRIMARY KEY,
        customer_id          varchar(64)  NOT NULL,
        idempotency_key      varchar(255),
        request_fingerprint  char(64)     NOT NULL,
        status               varchar(32)  NOT NULL,
        currency             char(3)      NOT NULL,
        total_amount         bigint       NOT NULL CHECK (total_amount >= 0),
        shipping_address     jsonb        NOT NULL,
        failure_reason       varchar(64),
        cancel_requested_at  timestamptz,
        shipping_claimed_at  timestamptz,
        created_at           timestamptz  NOT NULL DEFAULT now(),
        updated_at           timestamptz  NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX orders_customer_idempotency_key ON orders (customer_id, idempotency_key)
         WHERE idempotency_key IS NOT NULL`,
    );
    await queryRunner.query(`CREATE INDEX orders_created_at_id ON orders (created_at DESC, id DESC)`);
    await queryRunner.query(
      `CREATE INDEX orders_customer_created ON orders (customer_id, created_at DESC, id DESC)`,
    );
    await queryRunner.query(
      `CREATE INDEX orders_status_created ON orders (status, created_at DESC, id DESC)`,
    );
    await queryRunner.query(`
      CREATE TABLE order_lines (
        order_id      uuid         NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
        line_no       smallint     NOT NULL,
        sku           varchar(64)  NOT NULL REFERENCES products (sku),
        product_name  varchar(200) NOT NULL,
        quantity      integer      NOT NULL CHECK (quantity > 0),
        unit_price    integer      NOT NULL CHECK (unit_price >= 0),
        line_total    bigint       NOT NULL CHECK (line_total >= 0),
        PRIMARY KEY (order_id, line_no)
      )`);
    await queryRunner.query(`
      CREATE TABLE order_status_history (
        id           bigserial    PRIMARY KEY,
        order_id     uuid         NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
        from_status  varchar(32),
        to_status    varchar(32)  NOT NULL,
        reason       varchar(64),
        occurred_at  timestamptz  NOT NULL DEFAULT clock_timestamp()
      )`);
    await queryRunner.query(`CREATE INDEX order_status_history_order ON order_status_history (order_id, id)`);
    await queryRunner.query(`
      CREATE TABLE inventory_reservations (
        order_id     uuid         NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
        sku          varchar(64)  NOT NULL REFERENCES products (sku),
        quantity     integer      NOT NULL CHECK (quantity > 0),
        status       varchar(16)  NOT NULL CHECK (status IN ('RESERVED', 'RELEASED')),
        reserved_at  timestamptz  NOT NULL DEFAULT now(),
        released_at  timestamptz,
        PRIMARY KEY (order_id, sku)
      )`);
    await queryRunner.query(`
      CREATE TABLE payments (
        order_id            uuid         PRIMARY KEY REFERENCES orders (id) ON DELETE CASCADE,
        method              varchar(16)  NOT NULL,
        card_brand          varchar(16)  NOT NULL,
        card_last4          char(4)      NOT NULL,
        expiry_month        smallint     NOT NULL,
        expiry_year         smallint     NOT NULL,
        payment_token       varchar(128) NOT NULL,
        amount              bigint       NOT NULL CHECK (amount >= 0),
        currency            char(3)      NOT NULL,
        status              varchar(16)  NOT NULL,
        provider_reference  varchar(64),
        decline_code        varchar(64),
        created_at          timestamptz  NOT NULL DEFAULT now(),
        updated_at          timestamptz  NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE shipments (
        order_id         uuid         PRIMARY KEY REFERENCES orders (id) ON DELETE CASCADE,
        carrier          varchar(32)  NOT NULL,
        tracking_number  varchar(64)  NOT NULL,
        created_at       timestamptz  NOT NULL DEFAULT now()
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of [
      'shipments',
      'payments',
      'inventory_reservations',
      'order_status_history',
      'order_lines',
      'orders',
      'products',
    ]) {
      await queryRunner.query(`DROP TABLE IF EXISTS ${table}`);
    }
  }
}
