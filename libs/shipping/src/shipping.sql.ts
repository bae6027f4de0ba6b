/** Every statement of the shipping library, run by its repository only (docs/architecture.md, data access). */
export const SHIPPING_SQL = {
  find: 'SELECT carrier, tracking_number, created_at FROM shipments WHERE order_id = $1',
  /** A concurrent attempt may have recorded its booking first (same idempotency key): that one stands. */
  record:
    'INSERT INTO shipments (order_id, carrier, tracking_number) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING order_id',
} as const;
