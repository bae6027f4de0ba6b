/** The events an endpoint can subscribe to. */
export const WEBHOOK_EVENT_TYPES = [
  'order.created',
  'order.completed',
  'order.failed',
  'order.cancelled',
  'payment.captured',
  'payment.refunded',
  'shipment.created',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** The JSON body of every delivery: a stable id to de-duplicate on, the type, when it happened, the order. */
export interface WebhookPayload<Data = unknown> {
  id: string;
  type: WebhookEventType;
  createdAt: string;
  data: { order: Data };
}
