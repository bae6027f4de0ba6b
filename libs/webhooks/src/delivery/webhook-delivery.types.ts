import type { WebhookEventType } from '../webhook-events';

export const DELIVERY_STATUSES = ['pending', 'delivered', 'dead'] as const;
/** `pending` until the endpoint took it (`delivered`) or it was given up (`dead`); never deleted. */
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** One attempt the dispatcher claimed: the event, its endpoint, and the attempt's number (1 for the first). */
export interface ClaimedDelivery {
  eventSeq: string;
  endpointId: string;
  attempt: number;
  eventId: string;
  type: WebhookEventType;
  orderId: string;
  payload: unknown;
  traceCarrier: Record<string, string>;
  createdAt: Date;
  url: string;
  /** The endpoint's signing secret. */
  secret: string;
  /** The secret it replaced, while deliveries are still signed with it too (rotation grace); else null. */
  previousSecret: string | null;
  /** The secret's former text, while the endpoint still gets the former signature; else null. */
  legacySecret: string | null;
}

/** What became of a delivery after an attempt that did not deliver it. */
export type FailedAttemptOutcome = { status: 'pending'; retryInMs: number } | { status: 'dead' };

/** A delivery as operators see it (admin API). */
export interface DeliveryView {
  eventId: string;
  type: WebhookEventType;
  orderId: string;
  status: DeliveryStatus;
  attempts: number;
  createdAt: string;
  nextAttemptAt: string | null;
  lastAttemptAt: string | null;
  lastStatusCode: number | null;
  lastError: string | null;
  deliveredAt: string | null;
  deadAt: string | null;
}

/** An endpoint's backlog: pending deliveries and the age of the oldest (0 when none, or disabled). */
export interface EndpointBacklog {
  endpointId: string;
  pending: number;
  oldestPendingAgeSeconds: number;
}

/** How many of an endpoint's deliveries are in one status. */
export interface DeliveryCount {
  endpointId: string;
  status: DeliveryStatus;
  count: number;
}
