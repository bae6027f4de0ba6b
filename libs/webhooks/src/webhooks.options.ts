import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './webhook-retry';
import type { WebhookUrlPolicy } from './webhook-url-policy';

export const WEBHOOKS_OPTIONS = Symbol('WEBHOOKS_OPTIONS');

/** How the dispatcher delivers. Limits are per process: each API replica applies its own. */
export interface WebhookDeliveryOptions {
  /** Run the dispatcher in this process (the admin API works either way). @default true */
  enabled: boolean;
  /** How often due deliveries are looked for when nothing else wakes the dispatcher, in ms. @default 1000 */
  pollIntervalMs: number;
  /** The longest a delivery request may take, answer included, in ms. @default 10000 */
  timeoutMs: number;
  /** Attempts in flight at once to one endpoint (distinct orders: one order's events go one by one). @default 4 */
  concurrencyPerEndpoint: number;
  /** Attempts in flight at once in this process. @default 32 */
  maxInFlight: number;
  /** Consecutive failed attempts (5xx, 408, 429, no answer) that open an endpoint's circuit. @default 5 */
  circuitFailureThreshold: number;
  /** How long an open circuit holds back an endpoint's deliveries before one probe, in ms. @default 30000 */
  circuitCooldownMs: number;
  /** Backoff and maximum age. @default DEFAULT_RETRY_POLICY (5 s doubling up to 1 h; dead after 24 h) */
  retry: RetryPolicy;
  /** `user-agent` of delivery requests. @default 'orders-webhooks/1' */
  userAgent: string;
}

/** How deliveries are signed while secrets change. */
export interface WebhookSigningOptions {
  /**
   * After a secret is rotated, how long deliveries are also signed with the secret it replaced, in ms.
   * @default 86400000 (24 h)
   */
  rotationGraceMs: number;
  /**
   * When the former signature (`webhook-signature-legacy`) stops for every endpoint registered before
   * Standard Webhooks signatures; null: each endpoint's own end, set when the database was migrated (30 days
   * later). Rotating an endpoint's secret stops it for that endpoint at once. @default null
   */
  legacySignaturesUntil: Date | null;
}

export interface WebhooksModuleOptions {
  /** Where endpoint URLs may point (SSRF policy), at registration and at every connection. */
  urlPolicy: WebhookUrlPolicy;
  delivery?: Partial<WebhookDeliveryOptions>;
  signing?: Partial<WebhookSigningOptions>;
  /** Resolves a host name to its addresses at registration. @default node:dns lookup (all addresses) */
  resolve?: (host: string) => Promise<string[]>;
}

export const WEBHOOK_DELIVERY_DEFAULTS: WebhookDeliveryOptions = {
  enabled: true,
  pollIntervalMs: 1_000,
  timeoutMs: 10_000,
  concurrencyPerEndpoint: 4,
  maxInFlight: 32,
  circuitFailureThreshold: 5,
  circuitCooldownMs: 30_000,
  retry: DEFAULT_RETRY_POLICY,
  userAgent: 'orders-webhooks/1',
};

export const WEBHOOK_SIGNING_DEFAULTS: WebhookSigningOptions = {
  rotationGraceMs: 24 * 60 * 60_000,
  legacySignaturesUntil: null,
};

/**
 * How long past the request timeout an attempt stays its process's: time to write the result. Should the
 * write take longer, another replica may start the next attempt; the late result is then discarded.
 */
export const LEASE_MARGIN_MS = 5_000;

export interface ResolvedWebhooksOptions {
  urlPolicy: WebhookUrlPolicy;
  delivery: WebhookDeliveryOptions & {
    /** How long a claimed attempt is its process's alone: the timeout plus a margin for writing its result. */
    leaseMs: number;
  };
  signing: WebhookSigningOptions;
  resolve?: (host: string) => Promise<string[]>;
}

export function resolveWebhooksOptions(options: WebhooksModuleOptions): ResolvedWebhooksOptions {
  const delivery = { ...WEBHOOK_DELIVERY_DEFAULTS, ...options.delivery };
  return {
    urlPolicy: options.urlPolicy,
    delivery: { ...delivery, leaseMs: delivery.timeoutMs + LEASE_MARGIN_MS },
    signing: { ...WEBHOOK_SIGNING_DEFAULTS, ...options.signing },
    resolve: options.resolve,
  };
}
