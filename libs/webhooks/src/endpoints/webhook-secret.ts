import { randomBytes } from 'node:crypto';

/** Prefix of signing secrets, so a leaked one is recognisable (secret scanners, logs). */
export const WEBHOOK_SECRET_PREFIX = 'whsec_';

/** Bytes of a signing key: 256 bits, the HMAC-SHA256 key size (Standard Webhooks asks for 24 to 64). */
export const WEBHOOK_SECRET_BYTES = 32;

/**
 * A new signing secret as Standard Webhooks writes one: `whsec_` and the standard base64 (with padding) of
 * 32 random bytes, which is what its libraries decode into the HMAC key.
 */
export function generateWebhookSecret(): string {
  return `${WEBHOOK_SECRET_PREFIX}${randomBytes(WEBHOOK_SECRET_BYTES).toString('base64')}`;
}

/** The HMAC key a secret stands for: the bytes whose base64 follows `whsec_`. */
export function webhookSecretKey(secret: string): Buffer {
  const encoded = secret.startsWith(WEBHOOK_SECRET_PREFIX)
    ? secret.slice(WEBHOOK_SECRET_PREFIX.length)
    : secret;
  return Buffer.from(encoded, 'base64');
}
