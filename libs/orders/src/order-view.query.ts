/** An instant as `Date#toISOString()` writes it (UTC, milliseconds): the API's timestamp format. */
const iso = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * One statement that returns an order already shaped as its `OrderView` JSON: lines, history, payment
 * and shipment come from correlated aggregates (no cross product of lines × history), and the driver
 * hands back one parsed object, with no per-row entity mapping. A statement sees one snapshot, so the
 * parts agree without a transaction. `$1` is the order id; `$2` the customer it must belong to, or NULL
 * for any customer.
 */
export const ORDER_VIEW_QUERY = `
SELECT json_build_object(
  'id', o.id,
  'customerId', o.customer_id,
  'status', o.status,
  'currency', o.currency,
  'total', o.total_amount,
  'failureReason', o.failure_reason,
  'createdAt', ${iso('o.created_at')},
  'updatedAt', ${iso('o.updated_at')},
  'lines', COALESCE((
    SELECT json_agg(json_build_object(
      'sku', l.sku, 'name', l.product_name, 'quantity', l.quantity,
      'unitPrice', l.unit_price, 'lineTotal', l.line_total) ORDER BY l.line_no)
    FROM order_lines l WHERE l.order_id = o.id), '[]'::json),
  'shippingAddress', o.shipping_address,
  'payment', (
    SELECT json_build_object('method', p.method, 'brand', p.card_brand, 'last4', p.card_last4, 'status', p.status)
    FROM payments p WHERE p.order_id = o.id),
  'shipment', (
    SELECT json_build_object('carrier', s.carrier, 'trackingNumber', s.tracking_number)
    FROM shipments s WHERE s.order_id = o.id),
  'cancellationRequested', o.cancel_requested_at IS NOT NULL,
  'history', COALESCE((
    SELECT json_agg(json_build_object(
      'from', h.from_status, 'status', h.to_status, 'reason', h.reason, 'at', ${iso('h.occurred_at')}) ORDER BY h.id)
    FROM order_status_history h WHERE h.order_id = o.id), '[]'::json)
) AS view
FROM orders o
WHERE o.id = $1 AND ($2::varchar IS NULL OR o.customer_id = $2)`;
