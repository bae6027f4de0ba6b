import { createHmac } from 'node:crypto';

/**
 * The header that carries the signature of the format deliveries had before Standard Webhooks, sent only
 * to endpoints registered before that change, during their transition window.
 */
export const LEGACY_SIGNATURE_HEADER = 'webhook-signature-legacy';

/**
 * The former signature, for receivers not yet verifying the standard one: `t=<timestamp>,v1=<hex
 * HMAC-SHA256 of "<timestamp>.<body>">`, keyed with the secret's whole text as the receiver holds it
 * (`whsec_` and the base64url it was registered with). Produced for the transition window only: nothing
 * here verifies it.
 */
export function legacyWebhookSignature(legacySecret: string, timestamp: number, body: string): string {
  const hmac = createHmac('sha256', legacySecret).update(`${timestamp}.${body}`);
  return `t=${timestamp},v1=${hmac.digest('hex')}`;
}
