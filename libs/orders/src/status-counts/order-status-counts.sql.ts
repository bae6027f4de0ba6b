/**
 * The statements of the kept order counts (`order_status_counts`, `order_status_count_deltas`,
 * `order_status_count_reconciliation`, migration `OrderStatusCounts1764700000000`). The deltas are written
 * by triggers on `orders`, in the transaction of each change; these statements read, fold and reconcile.
 */

/** What is kept per status: its folded total plus its deltas not folded yet. */
const KEPT = `SELECT status, sum(n) AS n FROM (
    SELECT status, count AS n FROM order_status_counts
    UNION ALL SELECT status, delta FROM order_status_count_deltas) kept
  GROUP BY status`;

export const ORDER_STATUS_COUNTS_SQL = {
  /** Orders per status, read from the kept counts alone: a handful of rows, whatever the number of orders. */
  read: `SELECT status, n::bigint AS count FROM (${KEPT}) k`,
  /**
   * Moves every delta into the totals, in one statement: a snapshot sees a delta either in the deltas or
   * in the totals, never in both nor in neither. Statuses are added in their order, so two folds (there
   * should be one at a time) wait for one another instead of deadlocking.
   */
  fold: `WITH folded AS (DELETE FROM order_status_count_deltas RETURNING status, delta)
INSERT INTO order_status_counts AS c (status, count)
SELECT status, sum(delta) FROM folded GROUP BY status HAVING sum(delta) <> 0 ORDER BY status
ON CONFLICT (status) DO UPDATE SET count = c.count + EXCLUDED.count`,
  /**
   * Counts every order and reads what is kept, in the statement's one snapshot: each status's true and kept
   * count. The one statement that reads every order; a read only, so PostgreSQL may count in parallel.
   */
  compare: `WITH actual AS (SELECT status, count(*) AS n FROM orders GROUP BY status),
kept AS (${KEPT})
SELECT status, COALESCE(a.n, 0)::bigint AS actual, COALESCE(k.n, 0)::bigint AS kept
  FROM actual a FULL JOIN kept k USING (status)
 ORDER BY status`,
  /**
   * Adds each status's drift as a delta (`$1` statuses, `$2` drifts), never overwriting a total: a change
   * committed meanwhile keeps its own delta.
   */
  correct: `INSERT INTO order_status_count_deltas (status, delta)
SELECT * FROM unnest($1::varchar[], $2::bigint[])`,
  /** Seconds until the next reconciliation is due (`$1`: the interval in seconds); 0 when it is due now. */
  reconciliationDueIn: `SELECT GREATEST(EXTRACT(EPOCH FROM reconciled_at + make_interval(secs => $1) - now()), 0)::float8
       AS due_in
  FROM order_status_count_reconciliation`,
  /** The last reconciliation: when (epoch seconds), how long it took, and the drift it corrected. */
  lastReconciliation: `SELECT EXTRACT(EPOCH FROM reconciled_at)::float8 AS reconciled_at, duration_ms, drift
  FROM order_status_count_reconciliation`,
  /** Records a reconciliation: `$1` its duration in ms, `$2` the drift corrected per status (JSON). */
  recordReconciliation: `INSERT INTO order_status_count_reconciliation AS r (reconciled_at, duration_ms, drift)
VALUES (now(), $1, $2)
ON CONFLICT (singleton) DO UPDATE SET reconciled_at = EXCLUDED.reconciled_at,
       duration_ms = EXCLUDED.duration_ms, drift = EXCLUDED.drift`,
} as const;
