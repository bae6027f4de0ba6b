import type { WebhookPayload } from '../webhook-events';
import { SIGNATURE_HEADER, signWebhook } from '../webhook-signature';
import type { ClaimedDelivery } from './webhook-delivery.types';

/** Headers of every delivery besides the signature and the trace context. */
export const WEBHOOK_HEADERS = {
  id: 'webhook-id',
  timestamp: 'webhook-timestamp',
  attempt: 'webhook-attempt',
  signature: SIGNATURE_HEADER,
} as const;

/**
 * The request of one attempt: the JSON body (the same for every attempt of an event) and its headers — the
 * event id to de-duplicate on, the signing time, the signature over both, the attempt number and the
 * trace context of the delivery span.
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
  return {
    body,
    headers: {
      'content-type': 'application/json',
      'user-agent': userAgent,
      [WEBHOOK_HEADERS.id]: delivery.eventId,
      [WEBHOOK_HEADERS.timestamp]: String(now),
      [WEBHOOK_HEADERS.attempt]: String(delivery.attempt),
      [WEBHOOK_HEADERS.signature]: signWebhook(delivery.secret, body, now),
      ...traceCarrier,
    },
  };
}
