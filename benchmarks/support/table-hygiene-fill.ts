import type { BenchDatabase } from './bench-database';

/** What `fillOrders` writes besides the orders. */
export interface FillSettings {
  orders: number;
  /** The newest orders are not final: PENDING to SHIPPED, one in 20 unchanged for an hour (stuck). */
  inFlight: number;
  /** A payment per order (CAPTURED, or DECLINED for a FAILED order). */
  payments: boolean;
  /** One delivered webhook event per order to this endpoint (a small payload). */
  webhookEndpointId?: string;
}

const ADDRESS = '{"name":"Ada","line1":"1 Main St","city":"Berlin","postalCode":"10115","country":"DE"}';

/**
 * Orders of the last 30 days written in SQL, as a table that has been in production for a while holds them:
 * finished ones COMPLETED (93 %), FAILED (4 %, PAYMENT_DECLINED) or CANCELLED, from 5,000 customers, the
 * newest `inFlight` not final; then vacuumed and analyzed, so the table starts as autovacuum would have
 * left it. Its size is what the default autovacuum threshold scales with (20 % of the rows).
 */
export async function fillOrders(db: BenchDatabase, settings: FillSettings): Promise<void> {
  await db.query(
    `INSERT INTO orders (id, customer_id, request_fingerprint, status, currency, total_amount, shipping_address,
                         failure_reason, created_at, updated_at)
     SELECT gen_random_uuid(), 'c-' || (i % 5000), repeat('0', 64), s.status, 'EUR', 1000 + i % 9000, $3,
            CASE WHEN s.status = 'FAILED' THEN 'PAYMENT_DECLINED' END, t.created,
            CASE WHEN i <= $1 - $2 THEN t.created + interval '2 seconds'
                 WHEN i % 20 = 0 THEN now() - interval '1 hour'
                 ELSE now() - interval '5 seconds' END
       FROM generate_series(1, $1) AS i,
            LATERAL (SELECT CASE WHEN i > $1 - $2 THEN (ARRAY['PENDING', 'INVENTORY_RESERVED', 'PAID', 'SHIPPED'])[1 + i % 4]
                                 WHEN i % 100 < 93 THEN 'COMPLETED'
                                 WHEN i % 100 < 97 THEN 'FAILED'
                                 ELSE 'CANCELLED' END AS status) AS s,
            LATERAL (SELECT now() - interval '30 days' * (1 - i::float8 / $1) - interval '1 minute' AS created) AS t`,
    [settings.orders, settings.inFlight, ADDRESS],
  );
  if (settings.payments)
    await db.query(
      `INSERT INTO payments (order_id, method, card_brand, card_last4, expiry_month, expiry_year, payment_token,
                             amount, currency, status, provider_reference, decline_code, created_at, updated_at)
       SELECT id, 'card', 'visa', '4242', 12, 2030, 'tok_' || md5(id::text), total_amount, currency,
              CASE status WHEN 'FAILED' THEN 'DECLINED' WHEN 'PENDING' THEN 'PENDING' ELSE 'CAPTURED' END,
              CASE WHEN status NOT IN ('FAILED', 'PENDING') THEN 'sim_' || left(md5(id::text), 16) END,
              CASE WHEN status = 'FAILED' THEN 'card_declined' END, created_at, updated_at
         FROM orders`,
    );
  if (settings.webhookEndpointId !== undefined) {
    await db.query(
      `INSERT INTO webhook_events (id, type, order_id, payload, created_at)
       SELECT gen_random_uuid(), 'order.created', id, jsonb_build_object('orderId', id), created_at FROM orders`,
    );
    await db.query(
      `INSERT INTO webhook_deliveries (event_seq, endpoint_id, order_id, status, attempts, next_attempt_at,
                                       last_attempt_at, last_status_code, delivered_at)
       SELECT seq, $1, order_id, 'delivered', 1, created_at, created_at, 204, created_at FROM webhook_events`,
      [settings.webhookEndpointId],
    );
  }
  for (const table of ['orders', 'payments', 'webhook_events', 'webhook_deliveries'])
    await db.query(`VACUUM ANALYZE ${table}`);
}
