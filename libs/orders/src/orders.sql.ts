/** Every statement of the orders library, run by its repository only (docs/architecture.md, data access). */

/** An instant as `Date#toISOString()` writes it (UTC, milliseconds): the API's timestamp format. */
const iso = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * One statement that returns an order already shaped as its `OrderView` JSON: lines, history, payment
 * and shipment come from correlated aggregates (no cross product of lines × history), and the driver
 * hands back one parsed object, with no per-row entity mapping. A statement sees one snapshot, so the
 * parts agree without a transaction. The payment and the shipment are read through the views the
 * payments and shipping libraries publish (`payment_summaries`, `shipment_summaries`), never their tables.
 * `$1` is the order id; `$2` the customer it must belong to, or NULL for any customer.
 */
const VIEW = `
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
    SELECT json_build_object('method', p.method, 'brand', p.brand, 'last4', p.last4, 'status', p.status)
    FROM payment_summaries p WHERE p.order_id = o.id),
  'shipment', (
    SELECT json_build_object('carrier', s.carrier, 'trackingNumber', s.tracking_number)
    FROM shipment_summaries s WHERE s.order_id = o.id),
  'cancellationRequested', o.cancel_requested_at IS NOT NULL,
  'history', COALESCE((
    SELECT json_agg(json_build_object(
      'from', h.from_status, 'status', h.to_status, 'reason', h.reason, 'at', ${iso('h.occurred_at')}) ORDER BY h.id)
    FROM order_status_history h WHERE h.order_id = o.id), '[]'::json)
) AS view
FROM orders o
WHERE o.id = $1 AND ($2::varchar IS NULL OR o.customer_id = $2)`;

const SAGA_ORDER = 'SELECT id, status, currency, total_amount, cancel_requested_at FROM orders WHERE id = $1';

/** Orders that have not reached a final state (`$1`: the non-terminal statuses). */
const UNFINISHED = 'status = ANY ($1)';

/** An order's summary columns, of the table aliased `alias` when given. */
const summaryColumns = (alias = '') =>
  ['id', 'customer_id', 'status', 'currency', 'total_amount', 'failure_reason', 'created_at', 'updated_at']
    .map((column) => (alias ? `${alias}.${column}` : column))
    .join(', ');

/** The keyset's created_at, as UTC text with microseconds (a JavaScript Date would lose them). */
const cursorTs = (alias = '') =>
  `to_char(${alias ? `${alias}.` : ''}created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') AS cursor_ts`;

const SUMMARY_COLUMNS = summaryColumns();
const CURSOR_TS = cursorTs();

/**
 * The operators' search, newest first, after the keyset (`$8` created_at as UTC text, `$9` id), `$10` rows.
 * Each filter is NULL when absent: `$1` several statuses, `$2` one status, `$3` customer, `$4`/`$5` created
 * from / to (inclusive), `$6` failure reason, `$7` a SKU among the lines. PostgreSQL plans the statement
 * with the values bound, so the absent filters fall away and each search uses its index: one status is an
 * equality (it walks `orders_status_created` in order, where a one-element array would not). A SKU search
 * is a statement of its own that walks the SKU's lines newest first (`order_lines_sku_created`) and stops
 * at the page, so a rare or old SKU costs no more than a common one.
 */
function search({ bySku }: { bySku: boolean }): string {
  const filters = `($1::varchar[] IS NULL OR o.status = ANY ($1))
   AND ($2::varchar IS NULL OR o.status = $2)
   AND ($3::varchar IS NULL OR o.customer_id = $3)
   AND ($4::timestamptz IS NULL OR o.created_at >= $4)
   AND ($5::timestamptz IS NULL OR o.created_at <= $5)
   AND ($6::varchar IS NULL OR o.failure_reason = $6)`;
  if (!bySku)
    return `SELECT ${SUMMARY_COLUMNS}, ${CURSOR_TS}
  FROM orders o
 WHERE ${filters}
   AND $7::varchar IS NULL
   AND ($8::timestamp IS NULL OR (o.created_at, o.id) < ($8::timestamp AT TIME ZONE 'UTC', $9::uuid))
 ORDER BY o.created_at DESC, o.id DESC
 LIMIT $10`;
  return `SELECT ${summaryColumns('o')}, ${cursorTs('o')}
  FROM (SELECT DISTINCT ON (l.order_created_at, l.order_id) l.order_created_at, l.order_id
          FROM order_lines l
         WHERE l.sku = $7
           AND ($8::timestamp IS NULL OR (l.order_created_at, l.order_id) < ($8::timestamp AT TIME ZONE 'UTC', $9::uuid))
         ORDER BY l.order_created_at DESC, l.order_id DESC) s
  JOIN orders o ON o.id = s.order_id
 WHERE ${filters}
 ORDER BY s.order_created_at DESC, s.order_id DESC
 LIMIT $10`;
}

/** A row of `order_saga_steps` as operators read it. */
const STEP_JSON = `json_build_object(
  'step', s.step, 'attempts', s.attempts, 'outcome', s.outcome, 'lastError', s.last_error,
  'firstStartedAt', ${iso('s.first_started_at')}, 'lastStartedAt', ${iso('s.last_started_at')},
  'lastFinishedAt', ${iso('s.last_finished_at')}, 'lastDurationMs', s.last_duration_ms)`;

export const ORDERS_SQL = {
  view: VIEW,
  /** Also counts the order as PENDING: the trigger `order_status_counts_insert` writes the delta. */
  insert:
    'INSERT INTO orders (id, customer_id, idempotency_key, request_fingerprint, status, currency, total_amount, ' +
    "shipping_address, trace_id) VALUES ($1, $2, $3, $4, 'PENDING', $5, $6, $7, $8) ON CONFLICT DO NOTHING RETURNING id",
  /** The lines of an order just inserted, each with the order's creation time (the SKU search's key). */
  insertLines:
    'INSERT INTO order_lines (order_id, line_no, sku, product_name, quantity, unit_price, line_total, order_created_at) ' +
    'SELECT $1::uuid, l.*, o.created_at FROM unnest($2::smallint[], $3::varchar[], $4::varchar[], $5::integer[], ' +
    '$6::integer[], $7::bigint[]) AS l CROSS JOIN (SELECT created_at FROM orders WHERE id = $1) AS o',
  byIdempotencyKey:
    'SELECT id, customer_id, request_fingerprint, status FROM orders WHERE customer_id = $1 AND idempotency_key = $2',
  /** A customer's orders newest first, after the keyset (`$3` created_at as UTC text, `$4` id), `$5` rows. */
  page: `SELECT ${SUMMARY_COLUMNS}, ${CURSOR_TS}
  FROM orders
 WHERE customer_id = $1 AND ($2::varchar IS NULL OR status = $2)
   AND ($3::timestamp IS NULL OR (created_at, id) < ($3::timestamp AT TIME ZONE 'UTC', $4::uuid))
 ORDER BY created_at DESC, id DESC
 LIMIT $5`,
  /** Any customer's orders for operators, newest first: see `search` below. */
  search: search({ bySku: false }),
  /** The same search when a SKU is given (`$7`), planned from the lines that hold it. */
  searchBySku: search({ bySku: true }),
  /** What operators see beyond the order's view: the trace that placed it and its saga steps. */
  operatorDetails: `SELECT o.trace_id,
       COALESCE((SELECT json_agg(${STEP_JSON} ORDER BY s.first_started_at, s.step)
                   FROM order_saga_steps s WHERE s.order_id = o.id), '[]'::json) AS steps
  FROM orders o WHERE o.id = $1`,
  /** The steps of several orders (`$1` ids). */
  stepsOf: `SELECT s.order_id, ${STEP_JSON} AS step FROM order_saga_steps s WHERE s.order_id = ANY ($1)
 ORDER BY s.order_id, s.first_started_at, s.step`,
  /**
   * One attempt of a saga step: `$1` order, `$2` step, `$3` outcome, `$4` error (NULL on success), `$5`
   * started, `$6` finished, `$7` duration in ms. The last error stays after a later success.
   */
  recordStepAttempt: `INSERT INTO order_saga_steps AS s
       (order_id, step, attempts, outcome, last_error, first_started_at, last_started_at, last_finished_at, last_duration_ms)
VALUES ($1, $2, 1, $3, $4, $5, $5, $6, $7)
ON CONFLICT (order_id, step) DO UPDATE SET
       attempts = s.attempts + 1, outcome = EXCLUDED.outcome, last_error = COALESCE(EXCLUDED.last_error, s.last_error),
       last_started_at = EXCLUDED.last_started_at, last_finished_at = EXCLUDED.last_finished_at,
       last_duration_ms = EXCLUDED.last_duration_ms`,
  /**
   * Whichever reaches the order row first, this or the shipping claim, wins. `$2`: the customer the order
   * must belong to, or NULL (an operator acting for the customer).
   */
  requestCancellation: `UPDATE orders SET cancel_requested_at = COALESCE(cancel_requested_at, now()), updated_at = now()
  WHERE id = $1 AND ($2::varchar IS NULL OR customer_id = $2) AND status = ANY ($3) AND shipping_claimed_at IS NULL
  RETURNING id`,
  orderStatus: 'SELECT status FROM orders WHERE id = $1 AND ($2::varchar IS NULL OR customer_id = $2)',
  lockForTransition: 'SELECT status, created_at FROM orders WHERE id = $1 FOR UPDATE',
  /** Moves the order's count too: the trigger `order_status_counts_move` writes -1 / +1 as deltas. */
  move: 'UPDATE orders SET status = $2, updated_at = CURRENT_TIMESTAMP WHERE id = $1',
  moveWithReason:
    'UPDATE orders SET status = $2, failure_reason = $3, updated_at = CURRENT_TIMESTAMP WHERE id = $1',
  recordStatus:
    'INSERT INTO order_status_history (order_id, from_status, to_status, reason) VALUES ($1, $2, $3, $4)',
  sagaOrder: SAGA_ORDER,
  lockedSagaOrder: `${SAGA_ORDER} FOR UPDATE`,
  lines: 'SELECT sku, quantity FROM order_lines WHERE order_id = $1 ORDER BY line_no',
  /**
   * Marks the order as being shipped unless a cancellation got there first (the same row is updated by a
   * cancellation request, so PostgreSQL's row lock decides which of the two wins), and reads what the
   * booking needs, in one statement: the main query sees the order as it was before the claim.
   */
  claimForShipping: `WITH claimed AS (
  UPDATE orders SET shipping_claimed_at = COALESCE(shipping_claimed_at, now()), updated_at = now()
   WHERE id = $1 AND status = 'PAID' AND cancel_requested_at IS NULL
   RETURNING id)
SELECT o.id, o.status, o.currency, o.total_amount, o.shipping_address, o.cancel_requested_at,
       EXISTS (SELECT 1 FROM claimed) AS claimed,
       COALESCE((SELECT json_agg(json_build_object('sku', l.sku, 'quantity', l.quantity) ORDER BY l.line_no)
                   FROM order_lines l WHERE l.order_id = o.id), '[]'::json) AS parcels
  FROM orders o WHERE o.id = $1`,
  /**
   * Unfinished orders, oldest first: `$2` only those not changed since (NULL: all), `$3` only these ids
   * (NULL: any), `$4` at most this many (NULL: all).
   */
  unfinished: `SELECT ${SUMMARY_COLUMNS}, cancel_requested_at IS NOT NULL AS cancellation_requested FROM orders
 WHERE ${UNFINISHED} AND ($2::timestamptz IS NULL OR updated_at < $2) AND ($3::uuid[] IS NULL OR id = ANY ($3))
 ORDER BY updated_at, id
 LIMIT $4`,
  /**
   * Reads the unfinished orders' entries of `orders_status_created` only (an index-only scan of one range
   * per status): its cost follows the orders in flight, not every order ever placed.
   */
  oldestUnfinishedAge: `SELECT EXTRACT(EPOCH FROM now() - min(created_at)) AS age FROM orders WHERE ${UNFINISHED}`,
} as const;
