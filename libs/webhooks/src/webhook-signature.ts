import { createHmac } from 'node:crypto';
import { webhookSecretKey } from './endpoints/webhook-secret';

/**
 * The header a delivery is signed in (Standard Webhooks): `v1,<base64 HMAC-SHA256>` per secret,
 * space-separated.
 */
export const SIGNATURE_HEADER = 'webhook-signature';

/** How far a receiver should accept a signature's timestamp from its own clock (the libraries' default). */
export const DEFAULT_SIGNATURE_TOLERANCE_S = 300;

/** What is signed: the `webhook-id`, the `webhook-timestamp` (unix seconds) and the exact body. */
export interface SignedContent {
  id: string;
  timestamp: number;
  body: string;
}

/**
 * One Standard Webhooks signature: `v1,` and the base64 HMAC-SHA256 of `"<id>.<timestamp>.<body>"`, keyed
 * with the bytes the secret encodes (not the secret's text). The id and timestamp are signed with the body,
 * so a receiver that checks the timestamp against its clock rejects a replayed request.
 */
export function signWebhook(secret: string, { id, timestamp, body }: SignedContent): string {
  const hmac = createHmac('sha256', webhookSecretKey(secret)).update(`${id}.${timestamp}.`).update(body);
  return `v1,${hmac.digest('base64')}`;
}

/**
 * The `webhook-signature` value: one signature per secret, in the order given (the current secret first,
 * then the one it replaced while it is still accepted), space-separated. A receiver accepts the request when
 * any of them verifies with the secret it holds.
 */
export function webhookSignatures(secrets: readonly string[], content: SignedContent): string {
  return secrets.map((secret) => signWebhook(secret, content)).join(' ');
}
