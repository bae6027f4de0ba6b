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
  /** Until when deliveries are also signed with the secret the last rotation replaced; null when they are not. */
  previousSecretExpiresAt: string | null;
  /**
   * Until when deliveries also carry the former signature (`webhook-signature-legacy`): endpoints registered
   * before Standard Webhooks signatures, until their secret is rotated; null when they do not.
   */
  legacySignatureUntil: string | null;
}

/** The answer to a rotation: the new secret, shown this once, and until when the replaced one still signs. */
export interface RotatedWebhookSecret {
  secret: string;
  previousSecretExpiresAt: string;
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
