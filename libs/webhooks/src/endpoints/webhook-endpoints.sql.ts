/** The statements on `webhook_endpoints`, run by `WebhookEndpointsRepository` only. */
const iso = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * An endpoint as operators read it: never its secrets, only until when the one a rotation replaced still
 * signs and until when the former signature is sent (its own end; the service applies the configured one);
 * times as ISO 8601 in UTC.
 */
const COLUMNS = `id, url, event_types AS "eventTypes", enabled, description,
  ${iso('created_at')} AS "createdAt", ${iso('updated_at')} AS "updatedAt",
  CASE WHEN previous_secret IS NOT NULL THEN ${iso('previous_secret_expires_at')} END AS "previousSecretExpiresAt",
  CASE WHEN legacy_secret IS NOT NULL THEN ${iso('legacy_signature_until')} END AS "legacySignatureUntil"`;

export const WEBHOOK_ENDPOINTS_SQL = {
  /** `$1` id, `$2` URL, `$3` secret, `$4` event types, `$5` enabled, `$6` description. */
  insert: `INSERT INTO webhook_endpoints (id, url, secret, event_types, enabled, description)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${COLUMNS}`,
  list: `SELECT ${COLUMNS} FROM webhook_endpoints ORDER BY created_at, id`,
  byId: `SELECT ${COLUMNS} FROM webhook_endpoints WHERE id = $1`,
  /**
   * Endpoint `$1`: the URL `$2`, event types `$3` and enabled `$4` when not NULL; the description `$6` when
   * `$5` (it may be set to NULL).
   */
  update: `UPDATE webhook_endpoints
          SET url = COALESCE($2, url), event_types = COALESCE($3, event_types), enabled = COALESCE($4, enabled),
              description = CASE WHEN $5 THEN $6 ELSE description END, updated_at = now()
        WHERE id = $1 RETURNING ${COLUMNS}`,
  /**
   * Endpoint `$1` signs with the new secret `$2`; the one it replaced signs too for `$3` ms (a secret replaced
   * earlier is dropped: two at most); the former signature stops.
   */
  rotateSecret: `UPDATE webhook_endpoints
          SET previous_secret = secret,
              previous_secret_expires_at = clock_timestamp() + make_interval(secs => $3::float8 / 1000),
              secret = $2, legacy_secret = NULL, legacy_signature_until = NULL, updated_at = now()
        WHERE id = $1
    RETURNING ${iso('previous_secret_expires_at')} AS "previousSecretExpiresAt"`,
  /** Its deliveries go with it (foreign key on delete cascade). */
  delete: 'DELETE FROM webhook_endpoints WHERE id = $1 RETURNING id',
  /** What the debug view shows of every endpoint, in registration order. */
  overview:
    'SELECT id, url, enabled, event_types AS "eventTypes" FROM webhook_endpoints ORDER BY created_at, id',
} as const;
