/** Every statement of the payments library, run by its repository only (docs/architecture.md, data access). */
export const PAYMENTS_SQL = {
  pending:
    'INSERT INTO payments (order_id, method, card_brand, card_last4, expiry_month, expiry_year, payment_token, ' +
    "amount, currency, status) VALUES ($1, 'card', $2, $3, $4, $5, $6, $7, $8, 'PENDING')",
  ofOrder:
    'SELECT payment_token, amount, currency, status, decline_code, provider_reference FROM payments WHERE order_id = $1',
  captured:
    "UPDATE payments SET status = 'CAPTURED', provider_reference = $2, updated_at = now() WHERE order_id = $1",
  declined:
    "UPDATE payments SET status = 'DECLINED', decline_code = $2, updated_at = now() WHERE order_id = $1",
  /** Only a captured payment becomes refunded, once: a concurrent refund finds nothing to update. */
  refunded:
    "UPDATE payments SET status = 'REFUNDED', updated_at = now() WHERE order_id = $1 AND status = 'CAPTURED' RETURNING order_id",
} as const;
