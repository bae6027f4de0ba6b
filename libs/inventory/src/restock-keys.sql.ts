/**
 * The statements of `restock_idempotency_keys`, run by `RestockKeysRepository` only. A key counts while
 * `expires_at` is ahead of the database's clock; a key past it is treated as absent.
 */
export const RESTOCK_KEYS_SQL = {
  /** The operator's (`$1`) key `$2` while it counts: its request hash and the answer it got. */
  live:
    'SELECT request_hash, response FROM restock_idempotency_keys ' +
    'WHERE operator_id = $1 AND idempotency_key = $2 AND expires_at > now()',
  /**
   * Takes the key for this transaction, for `$5` seconds: a new row, or the row of an expired key written
   * over. No row back when the key counts still (the conflicting row is then locked until the transaction
   * ends). A concurrent transaction taking the same key waits on the primary key until this one ends.
   */
  claim:
    'INSERT INTO restock_idempotency_keys AS k (operator_id, idempotency_key, request_hash, sku, expires_at) ' +
    "VALUES ($1, $2, $3, $4, now() + $5::integer * interval '1 second') " +
    'ON CONFLICT (operator_id, idempotency_key) DO UPDATE SET request_hash = EXCLUDED.request_hash, ' +
    'sku = EXCLUDED.sku, response = NULL, created_at = now(), expires_at = EXCLUDED.expires_at ' +
    'WHERE k.expires_at <= now() RETURNING k.operator_id',
  /** The answer of the restock that took the key, written in the same transaction. */
  record:
    'UPDATE restock_idempotency_keys SET response = $3::jsonb WHERE operator_id = $1 AND idempotency_key = $2',
  /**
   * Deletes at most `$1` expired keys, oldest expiry first, skipping rows another transaction holds (a key
   * being taken again): one short statement per batch, never one long lock.
   */
  purgeExpired:
    'WITH purged AS (DELETE FROM restock_idempotency_keys WHERE (operator_id, idempotency_key) IN (' +
    'SELECT operator_id, idempotency_key FROM restock_idempotency_keys WHERE expires_at <= now() ' +
    'ORDER BY expires_at LIMIT $1 FOR UPDATE SKIP LOCKED) AND expires_at <= now() RETURNING 1) ' +
    'SELECT count(*)::int AS purged FROM purged',
} as const;
