/**
 * The delivery statements. Each is one statement, so each is its own short transaction: claiming locks the
 * due rows with SKIP LOCKED (another replica claims other rows) and leases them (nobody else claims them
 * until the lease ends, even after the statement committed); the attempt's result is then written only
 * by the holder of that attempt (`attempts = $n`, still pending).
 */

const ms = (parameter: string) => `make_interval(secs => ${parameter}::float8 / 1000)`;
const isDue = (d: string) =>
  `${d}.status = 'pending' AND ${d}.next_attempt_at <= clock_timestamp()
   AND (${d}.leased_until IS NULL OR ${d}.leased_until <= clock_timestamp())`;

/** Enabled endpoints with at least one due delivery. */
export const DUE_ENDPOINTS_SQL = `
SELECT e.id FROM webhook_endpoints e
 WHERE e.enabled AND EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.endpoint_id = e.id AND ${isDue('d')})`;

/**
 * Claims up to `$2` due deliveries of endpoint `$1`, oldest event first, none while an earlier event of the
 * same order is still pending for the endpoint (per-order ordering); leases them for `$3` ms and counts
 * the attempt. With each, the secrets that sign it: the endpoint's, the one it replaced while within its
 * grace, and its former text while its transition window lasts (`$4` when given, else the endpoint's own).
 *
 * `OFFSET 0` keeps the earlier-event test a subplan run per candidate with the candidate's endpoint, order
 * and event as index keys (`webhook_deliveries_pending_order`), instead of an anti-join the planner may
 * build from an unkeyed scan of the pending deliveries repeated per candidate. That plan is chosen when the
 * last ANALYZE saw no pending delivery, and costs the square of the backlog.
 */
export const CLAIM_SQL = `
WITH due AS (
  SELECT d.event_seq FROM webhook_deliveries d
   WHERE d.endpoint_id = $1 AND ${isDue('d')}
     AND NOT EXISTS (
       SELECT 1 FROM webhook_deliveries earlier
        WHERE earlier.endpoint_id = d.endpoint_id AND earlier.order_id = d.order_id
          AND earlier.status = 'pending' AND earlier.event_seq < d.event_seq
        OFFSET 0)
   ORDER BY d.event_seq
   LIMIT $2
   FOR UPDATE OF d SKIP LOCKED
)
UPDATE webhook_deliveries d
   SET attempts = d.attempts + 1, last_attempt_at = clock_timestamp(),
       leased_until = clock_timestamp() + ${ms('$3')}
  FROM due, webhook_events ev, webhook_endpoints e
 WHERE d.endpoint_id = $1 AND d.event_seq = due.event_seq AND ev.seq = d.event_seq
   AND e.id = d.endpoint_id AND e.enabled
RETURNING d.event_seq, d.endpoint_id, d.attempts, ev.id AS event_id, ev.type, ev.order_id, ev.payload,
          ev.trace_carrier, ev.created_at, e.url, e.secret,
          CASE WHEN e.previous_secret_expires_at > clock_timestamp() THEN e.previous_secret END
            AS previous_secret,
          CASE WHEN COALESCE($4::timestamptz, e.legacy_signature_until) > clock_timestamp() THEN e.legacy_secret END
            AS legacy_secret`;

/** Attempt `$3` of (`$1`, `$2`) was answered with 2xx `$4`: delivered. Returns the latency. */
export const DELIVERED_SQL = `
UPDATE webhook_deliveries d
   SET status = 'delivered', delivered_at = clock_timestamp(), leased_until = NULL,
       last_status_code = $4, last_error = NULL
  FROM webhook_events ev
 WHERE d.event_seq = $1 AND d.endpoint_id = $2 AND d.attempts = $3 AND d.status = 'pending'
   AND ev.seq = d.event_seq
RETURNING EXTRACT(EPOCH FROM d.delivered_at - ev.created_at)::float8 AS latency_seconds`;

/**
 * Attempt `$3` of (`$1`, `$2`) failed (status `$4` or none, error `$7`): dead when `$5` says so or the event
 * (or its redelivery) is older than `$8` ms, else due again in `$6` ms — never later than that age, so the
 * last attempt is made when it is reached.
 */
export const FAILED_SQL = `
WITH target AS (
  SELECT d.event_seq, d.endpoint_id, clock_timestamp() AS now,
         COALESCE(d.redelivered_at, ev.created_at) + ${ms('$8')} AS give_up_at
    FROM webhook_deliveries d JOIN webhook_events ev ON ev.seq = d.event_seq
   WHERE d.event_seq = $1 AND d.endpoint_id = $2 AND d.attempts = $3 AND d.status = 'pending'
), verdict AS (
  SELECT t.*, ($5::boolean OR t.now >= t.give_up_at) AS dead FROM target t
)
UPDATE webhook_deliveries d
   SET status = CASE WHEN v.dead THEN 'dead' ELSE 'pending' END,
       dead_at = CASE WHEN v.dead THEN v.now END,
       next_attempt_at = LEAST(v.now + ${ms('$6')}, v.give_up_at),
       leased_until = NULL, last_status_code = $4, last_error = $7
  FROM verdict v
 WHERE d.event_seq = v.event_seq AND d.endpoint_id = v.endpoint_id
RETURNING d.status, GREATEST(0, EXTRACT(EPOCH FROM d.next_attempt_at - v.now) * 1000)::float8 AS retry_in_ms`;

/**
 * Gives up deliveries that were attempted, are older than `$1` ms (from the event or its redelivery) and
 * were not attempted again within `$2` ms after that: those of endpoints whose circuit stays open. A
 * disabled endpoint's are left waiting (paused); they get their last attempt once it is enabled.
 */
export const EXPIRE_SQL = `
UPDATE webhook_deliveries d
   SET status = 'dead', dead_at = clock_timestamp(), leased_until = NULL
  FROM webhook_events ev, webhook_endpoints e
 WHERE ev.seq = d.event_seq AND e.id = d.endpoint_id AND e.enabled AND d.status = 'pending' AND d.attempts > 0
   AND (d.leased_until IS NULL OR d.leased_until <= clock_timestamp())
   AND clock_timestamp() >= COALESCE(d.redelivered_at, ev.created_at) + ${ms('$1')} + ${ms('$2')}
RETURNING d.endpoint_id, ev.id AS event_id, d.attempts, d.last_error`;

/** Pending deliveries per endpoint, and the age of the oldest (of enabled endpoints: disabled ones are paused). */
export const BACKLOG_SQL = `
SELECT e.id AS endpoint_id, count(d.event_seq)::int AS pending,
       COALESCE(EXTRACT(EPOCH FROM clock_timestamp()
                  - min(COALESCE(d.redelivered_at, ev.created_at)) FILTER (WHERE e.enabled)), 0)::float8 AS oldest_age
  FROM webhook_endpoints e
  LEFT JOIN webhook_deliveries d ON d.endpoint_id = e.id AND d.status = 'pending'
  LEFT JOIN webhook_events ev ON ev.seq = d.event_seq
 GROUP BY e.id`;

const iso = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** An endpoint's deliveries, newest event first, optionally of one status, after the cursor's event. */
export const LIST_SQL = `
SELECT d.event_seq::text AS seq, ev.id AS "eventId", ev.type, ev.order_id AS "orderId", d.status, d.attempts,
       ${iso('ev.created_at')} AS "createdAt",
       CASE WHEN d.status = 'pending' THEN ${iso('d.next_attempt_at')} END AS "nextAttemptAt",
       ${iso('d.last_attempt_at')} AS "lastAttemptAt", d.last_status_code AS "lastStatusCode",
       d.last_error AS "lastError", ${iso('d.delivered_at')} AS "deliveredAt", ${iso('d.dead_at')} AS "deadAt"
  FROM webhook_deliveries d JOIN webhook_events ev ON ev.seq = d.event_seq
 WHERE d.endpoint_id = $1 AND ($2::varchar IS NULL OR d.status = $2)
   AND ($3::bigint IS NULL OR d.event_seq < $3)
 ORDER BY d.event_seq DESC
 LIMIT $4`;

/** Back to pending, due now, its age counted from now: a dead or delivered event, on an operator's request. */
export const REDELIVER_SQL = `
UPDATE webhook_deliveries d
   SET status = 'pending', next_attempt_at = clock_timestamp(), leased_until = NULL, delivered_at = NULL,
       dead_at = NULL, redelivered_at = clock_timestamp()
  FROM webhook_events ev
 WHERE ev.seq = d.event_seq AND ev.id = $2 AND d.endpoint_id = $1 AND d.status IN ('dead', 'delivered')
RETURNING d.status`;

export const DELIVERY_STATUS_SQL = `
SELECT d.status FROM webhook_deliveries d JOIN webhook_events ev ON ev.seq = d.event_seq
 WHERE d.endpoint_id = $1 AND ev.id = $2`;

/** Deliveries per endpoint and status, of every endpoint that has any. */
export const DELIVERY_COUNTS_SQL =
  'SELECT endpoint_id, status, count(*)::int AS n FROM webhook_deliveries GROUP BY endpoint_id, status';
