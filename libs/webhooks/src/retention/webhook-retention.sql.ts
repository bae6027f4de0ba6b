/**
 * The retention statements of `webhook_deliveries` and `webhook_events`, run by `WebhookRetentionRepository`
 * only. Every one touches a bounded number of rows found through an index, so a batch costs the same
 * however large the tables are:
 * - a delivery is purgeable when `delivered` for longer than `$1` days (`delivered_at`, partial index
 *   `webhook_deliveries_delivered_at`) or `dead` for longer than `$2` days (`dead_at`, partial index
 *   `webhook_deliveries_dead_at`); a `pending` one never is;
 * - an event is purgeable once it has no delivery left. Deliveries are written only with their event (one
 *   statement of the outbox), never later, so an event without deliveries can never gain one: deleting it
 *   cannot take a pending delivery with it (`ON DELETE CASCADE`).
 */

const olderThanDays = (column: string, days: string) => `${column} < now() - make_interval(days => ${days})`;

/**
 * Deletes at most `$3` purgeable deliveries, delivered ones first, each kind oldest first, skipping rows
 * another transaction holds (one being redelivered). A row locked here is final for this transaction: the
 * redelivery of it waits and then finds nothing. `$4` and `$5` (null: from the oldest) are where the previous
 * batch of the run stopped in each index: the scan starts there instead of stepping again over the entries
 * of the rows it deleted, which stay in the index until vacuum. A row only ever becomes delivered or dead
 * now, far after the cutoff, so none appears behind them. Returns how many of each status it deleted, the
 * events they belonged to, and where the next batch starts.
 */
export const PURGE_DELIVERIES_SQL = `
WITH delivered AS (
  SELECT event_seq, endpoint_id, delivered_at FROM webhook_deliveries
   WHERE status = 'delivered' AND ${olderThanDays('delivered_at', '$1')}
     AND delivered_at >= COALESCE($4::timestamptz, '-infinity')
   ORDER BY delivered_at
   LIMIT $3
   FOR UPDATE SKIP LOCKED
), dead AS (
  SELECT event_seq, endpoint_id, dead_at FROM webhook_deliveries
   WHERE status = 'dead' AND ${olderThanDays('dead_at', '$2')}
     AND dead_at >= COALESCE($5::timestamptz, '-infinity')
   ORDER BY dead_at
   LIMIT $3 - (SELECT count(*) FROM delivered)
   FOR UPDATE SKIP LOCKED
), purged AS (
  DELETE FROM webhook_deliveries d
   USING (SELECT event_seq, endpoint_id FROM delivered UNION ALL SELECT event_seq, endpoint_id FROM dead) chosen
   WHERE d.event_seq = chosen.event_seq AND d.endpoint_id = chosen.endpoint_id AND d.status <> 'pending'
  RETURNING d.event_seq, d.status
)
SELECT count(*) FILTER (WHERE status = 'delivered')::int AS delivered,
       count(*) FILTER (WHERE status = 'dead')::int AS dead,
       COALESCE(array_agg(DISTINCT event_seq), '{}')::text[] AS event_seqs,
       COALESCE((SELECT max(delivered_at) FROM delivered), $4::timestamptz)::text AS delivered_from,
       COALESCE((SELECT max(dead_at) FROM dead), $5::timestamptz)::text AS dead_from
  FROM purged`;

/**
 * Deletes those of events `$1` (their seqs) that have no delivery left: run after `PURGE_DELIVERIES_SQL` in
 * its transaction, it sees the deliveries that statement deleted as gone. Returns how many it deleted.
 */
export const PURGE_EVENTS_OF_SQL = `
WITH purged AS (
  DELETE FROM webhook_events e
   WHERE e.seq = ANY ($1::bigint[])
     AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_seq = e.seq)
  RETURNING 1
)
SELECT count(*)::int AS purged FROM purged`;

/**
 * The sweep of events that lost their deliveries otherwise (an endpoint deleted with its deliveries): looks
 * at the `$3` events after seq `$2` in seq order (the primary key; seq follows the time events are written)
 * and deletes those written more than `$1` days ago that have no delivery. Returns how many it deleted, the
 * last seq it looked at (where the next call starts), how many it looked at, and whether it reached events
 * within the window (nothing after them can be old enough: the sweep is done).
 */
export const SWEEP_EVENTS_SQL = `
WITH examined AS (
  SELECT seq, created_at FROM webhook_events WHERE seq > $2::bigint ORDER BY seq LIMIT $3
), orphans AS (
  SELECT e.seq FROM webhook_events e JOIN examined x ON x.seq = e.seq
   WHERE ${olderThanDays('x.created_at', '$1')}
     AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_seq = e.seq)
   FOR UPDATE OF e SKIP LOCKED
), purged AS (
  DELETE FROM webhook_events e USING orphans o WHERE e.seq = o.seq RETURNING 1
)
SELECT (SELECT count(*) FROM purged)::int AS purged,
       (SELECT max(seq) FROM examined)::text AS last_seq,
       (SELECT count(*) FROM examined)::int AS examined,
       COALESCE((SELECT bool_or(NOT ${olderThanDays('created_at', '$1')}) FROM examined), false) AS reached_window`;

/**
 * How far past their retention (seconds) the oldest delivered and the oldest dead delivery still kept are:
 * 0 when none is. Two reads of the first entry of each partial index.
 */
export const OVERDUE_DELIVERIES_SQL = `
SELECT GREATEST(0, EXTRACT(EPOCH FROM (now() - make_interval(days => $1))
         - (SELECT min(delivered_at) FROM webhook_deliveries WHERE status = 'delivered')))::float8 AS delivered,
       GREATEST(0, EXTRACT(EPOCH FROM (now() - make_interval(days => $2))
         - (SELECT min(dead_at) FROM webhook_deliveries WHERE status = 'dead')))::float8 AS dead`;

/**
 * How far past the window of `$1` days (seconds) the first event after seq `$2` was written: where a sweep
 * that ran out of time stopped. 0 when there is none.
 */
export const OVERDUE_EVENT_AFTER_SQL = `
SELECT GREATEST(0, EXTRACT(EPOCH FROM (now() - make_interval(days => $1))
         - (SELECT created_at FROM webhook_events WHERE seq > $2::bigint ORDER BY seq LIMIT 1)))::float8 AS overdue`;
