/**
 * Every statement of the shipping library. They are written out rather than built by TypeORM: the order
 * path runs them for every order, and building them costs more CPU than running them.
 * `benchmarks/order-placement.pgbench.sql` runs the order path's statements; a unit spec keeps it in step.
 */
export const SHIPPING_SQL = {
  find: 'SELECT carrier, tracking_number, created_at FROM shipments WHERE order_id = $1',
  /** A concurrent attempt may have recorded its booking first (same idempotency key): that one stands. */
  record:
    'INSERT INTO shipments (order_id, carrier, tracking_number) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
} as const;
