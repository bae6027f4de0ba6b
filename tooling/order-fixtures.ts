import { randomUUID } from 'node:crypto';
import { testCardExpiry } from './order-requests';
import type { TestDatabase } from './database';

export interface SeededOrder {
  orderId: string;
  sku: string;
}

/** A product with `stock` units, for orders to reserve from. */
export async function insertProduct(
  db: TestDatabase,
  sku: string,
  stock: number,
  unitPrice = 1250,
): Promise<void> {
  await db.query(
    `INSERT INTO products (sku, name, unit_price, currency, stock) VALUES ($1, $2, $3, 'EUR', $4)`,
    [sku, `Test product ${sku}`, unitPrice, stock],
  );
}

/**
 * A PENDING order as the API writes it when placed: one line, a PENDING card payment carrying the
 * provider token (`sim_tok_decline_…` makes the simulated provider decline), and its first history row.
 */
export async function insertPendingOrder(
  db: TestDatabase,
  {
    sku,
    quantity = 2,
    unitPrice = 1250,
    paymentToken = `sim_tok_${randomUUID()}`,
  }: { sku: string; quantity?: number; unitPrice?: number; paymentToken?: string },
): Promise<SeededOrder> {
  const orderId = randomUUID();
  const total = quantity * unitPrice;
  const address = {
    name: 'Ada Lovelace',
    line1: '12 St James Square',
    city: 'London',
    postalCode: 'SW1Y 4JH',
    country: 'GB',
  };
  await db.query(
    `INSERT INTO orders (id, customer_id, request_fingerprint, status, currency, total_amount, shipping_address)
     VALUES ($1, 'customer-1', $2, 'PENDING', 'EUR', $3, $4)`,
    [orderId, 'f'.repeat(64), total, JSON.stringify(address)],
  );
  await db.query(
    `INSERT INTO order_lines (order_id, line_no, sku, product_name, quantity, unit_price, line_total, order_created_at)
     SELECT $1, 1, $2, $3, $4, $5, $6, created_at FROM orders WHERE id = $1`,
    [orderId, sku, `Test product ${sku}`, quantity, unitPrice, total],
  );
  const expiry = testCardExpiry();
  await db.query(
    `INSERT INTO payments (order_id, method, card_brand, card_last4, expiry_month, expiry_year, payment_token, amount, currency, status)
     VALUES ($1, 'card', 'visa', '4242', $2, $3, $4, $5, 'EUR', 'PENDING')`,
    [orderId, expiry.expiryMonth, expiry.expiryYear, paymentToken, total],
  );
  await db.query(
    `INSERT INTO order_status_history (order_id, from_status, to_status) VALUES ($1, NULL, 'PENDING')`,
    [orderId],
  );
  return { orderId, sku };
}

export async function orderStatus(db: TestDatabase, orderId: string): Promise<string> {
  const [row] = await db.query<{ status: string }>(`SELECT status FROM orders WHERE id = $1`, [orderId]);
  return row.status;
}

export async function productStock(db: TestDatabase, sku: string): Promise<number> {
  const [row] = await db.query<{ stock: number }>(`SELECT stock FROM products WHERE sku = $1`, [sku]);
  return row.stock;
}
