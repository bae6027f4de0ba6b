import { randomBytes } from 'node:crypto';
import type { MigrationInterface, QueryRunner } from 'typeorm';

const PREFIX = 'whsec_';

/** How long endpoints registered before this migration still get the former signature, by default. */
export const LEGACY_SIGNATURE_WINDOW_DAYS = 30;

/**
 * The Standard Webhooks form of a secret written before it: `whsec_` and the standard base64, padding
 * included, of the same key bytes its base64url encoded. Null when the text after `whsec_` is not base64url
 * of at least one byte (no secret the API generated; one written by hand could be).
 */
export function reencodeWebhookSecret(legacySecret: string): string | null {
  if (!legacySecret.startsWith(PREFIX)) return null;
  const encoded = legacySecret.slice(PREFIX.length).replace(/={1,2}$/, '');
  if (!/^[A-Za-z0-9_-]+$/.test(encoded) || encoded.length % 4 === 1) return null;
  const key = Buffer.from(encoded, 'base64url');
  return key.length === 0 ? null : `${PREFIX}${key.toString('base64')}`;
}

/** The former form of a Standard Webhooks secret: `whsec_` and the base64url of the same key bytes. */
export function legacyFormOfWebhookSecret(secret: string): string {
  return `${PREFIX}${Buffer.from(secret.slice(PREFIX.length), 'base64').toString('base64url')}`;
}

/**
 * Standard Webhooks signatures. Deliveries were signed `t=<ts>,v1=<hex HMAC>` keyed with the secret's whole
 * text; they are now signed `v1,<base64 HMAC>` keyed with the bytes the secret encodes, which Standard
 * Webhooks writes as standard base64. So:
 * - every stored secret is re-encoded (same key bytes, base64url → base64 with padding); one that encodes
 *   no key gets a new random one, and its receiver keeps the former signature until a rotation;
 * - `legacy_secret` keeps the text each receiver holds, and `legacy_signature_until` (30 days on) how long
 *   its deliveries still carry the former signature, in a header of its own; a rotation ends both;
 * - `previous_secret` is the secret a rotation replaced, which still signs until `previous_secret_expires_at`.
 */
export class WebhookSigning1764500000000 implements MigrationInterface {
  name = 'WebhookSigning1764500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE webhook_endpoints
        ADD COLUMN legacy_secret               varchar(128),
        ADD COLUMN legacy_signature_until      timestamptz,
        ADD COLUMN previous_secret             varchar(128),
        ADD COLUMN previous_secret_expires_at  timestamptz,
        ADD CONSTRAINT webhook_endpoints_legacy_signature
          CHECK ((legacy_secret IS NULL) = (legacy_signature_until IS NULL)),
        ADD CONSTRAINT webhook_endpoints_previous_secret
          CHECK ((previous_secret IS NULL) = (previous_secret_expires_at IS NULL))`);
    const rows: Array<{ id: string; secret: string }> = await queryRunner.query(
      'SELECT id, secret FROM webhook_endpoints ORDER BY id FOR UPDATE',
    );
    if (rows.length === 0) return;
    const secrets = rows.map(
      (row) => reencodeWebhookSecret(row.secret) ?? `${PREFIX}${randomBytes(32).toString('base64')}`,
    );
    await queryRunner.query(
      `UPDATE webhook_endpoints e
          SET legacy_secret = e.secret, secret = s.secret,
              legacy_signature_until = now() + make_interval(days => $3)
         FROM unnest($1::uuid[], $2::varchar[]) AS s (id, secret)
        WHERE e.id = s.id`,
      [rows.map((row) => row.id), secrets, LEGACY_SIGNATURE_WINDOW_DAYS],
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    // Back to the text the former signature is keyed with: the one the receiver held, or for an endpoint
    // registered (or rotated) since, the base64url form of its key.
    const rows: Array<{ id: string; secret: string; legacy_secret: string | null }> = await queryRunner.query(
      'SELECT id, secret, legacy_secret FROM webhook_endpoints ORDER BY id FOR UPDATE',
    );
    if (rows.length > 0)
      await queryRunner.query(
        `UPDATE webhook_endpoints e SET secret = s.secret
           FROM unnest($1::uuid[], $2::varchar[]) AS s (id, secret)
          WHERE e.id = s.id`,
        [
          rows.map((row) => row.id),
          rows.map((row) => row.legacy_secret ?? legacyFormOfWebhookSecret(row.secret)),
        ],
      );
    await queryRunner.query(`
      ALTER TABLE webhook_endpoints
        DROP CONSTRAINT webhook_endpoints_previous_secret,
        DROP CONSTRAINT webhook_endpoints_legacy_signature,
        DROP COLUMN previous_secret_expires_at,
        DROP COLUMN previous_secret,
        DROP COLUMN legacy_signature_until,
        DROP COLUMN legacy_secret`);
  }
}
