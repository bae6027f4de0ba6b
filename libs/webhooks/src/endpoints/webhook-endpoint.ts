import type { WebhookEventType } from '../webhook-events';

/** A registered endpoint as operators read it: never with its secret. */
export interface WebhookEndpoint {
  id: string;
  url: string;
  eventTypes: WebhookEventType[];
  enabled: boolean;
  description: string | null;
  createdAt: string;
  updatedAt: string;
}

/** The answer to a registration: the only time the signing secret is shown. */
export interface RegisteredWebhookEndpoint extends WebhookEndpoint {
  secret: string;
}

export interface WebhookEndpointInput {
  url: string;
  eventTypes: WebhookEventType[];
  /** @default true */
  enabled?: boolean;
  description?: string | null;
}

export type WebhookEndpointChanges = Partial<WebhookEndpointInput>;
