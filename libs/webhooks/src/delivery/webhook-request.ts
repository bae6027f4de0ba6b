import { LEGACY_SIGNATURE_HEADER, legacyWebhookSignature } from '../legacy-signature';
import type { WebhookPayload } from '../webhook-events';
import { SIGNATURE_HEADER, webhookSignatures } from '../webhook-signature';
import type { ClaimedDelivery } from './webhook-delivery.types';

/** Headers of every delivery besides the trace context (Standard Webhooks names, plus the attempt). */
export const WEBHOOK_HEADERS = {
  id: 'webhook-id',
  timestamp: 'webhook-timestamp',
  attempt: 'webhook-attempt',
  signature: SIGNATURE_HEADER,
  /** Only to endpoints registered before Standard Webhooks signatures, during their transition window. */
  legacySignature: LEGACY_SIGNATURE_HEADER,
} as const;

/**
 * The request of one attempt: the JSON body (the same for every attempt of an event) and its headers — the
 * event id to de-duplicate on, the signing time, the Standard Webhooks signature over both and the body
 * (with the endpoint's secret, and the one it replaced during a rotation's grace), the former signature
 * during an endpoint's transition window, the attempt number and the trace context of the delivery span.
 */
export function webhookRequest(
  delivery: ClaimedDelivery,
  {
    userAgent,
    traceCarrier,
    now = Math.floor(Date.now() / 1000),
  }: { userAgent: string; traceCarrier: Record<string, string>; now?: number },
): { body: string; headers: Record<string, string> } {
  const payload: WebhookPayload = {
    id: delivery.eventId,
    type: delivery.type,
    createdAt: delivery.createdAt.toISOString(),
    data: { order: delivery.payload },
  };
  const body = JSON.stringify(payload);
  const secrets = delivery.previousSecret ? [delivery.secret, delivery.previousSecret] : [delivery.secret];
  return {
    body,
    headers: {
      'content-type': 'application/json',
      'user-agent': userAgent,
      [WEBHOOK_HEADERS.id]: delivery.eventId,
      [WEBHOOK_HEADERS.timestamp]: String(now),
      [WEBHOOK_HEADERS.attempt]: String(delivery.attempt),
      [WEBHOOK_HEADERS.signature]: webhookSignatures(secrets, { id: delivery.eventId, timestamp: now, body }),
      ...(delivery.legacySecret
        ? { [WEBHOOK_HEADERS.legacySignature]: legacyWebhookSignature(delivery.legacySecret, now, body) }
        : {}),
      ...traceCarrier,
    },
  };
}
