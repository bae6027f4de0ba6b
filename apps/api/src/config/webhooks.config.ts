import { envBoolean, envInt } from '@app/config';
import type { WebhooksModuleOptions } from '@app/webhooks';
import { z } from 'zod';

const HOST = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)$/i;
// Checked in a refinement, so that the configuration reference says "string" rather than a pattern.
const ISO_DATE_TIME = z.iso.datetime({ offset: true });

/** The API's webhook variables, described for docs/configuration.md. */
export const webhooksEnvShape = {
  // Default: true when NODE_ENV is development (the default), false otherwise; see webhookSettings.
  WEBHOOK_ALLOW_HTTP: envBoolean()
    .optional()
    .describe(
      'Accept `http:` endpoint URLs (to public addresses). Unset: `true` when `NODE_ENV=development`, else `false` (https only).',
    ),
  WEBHOOK_ALLOWED_HOSTS: z
    .string()
    .transform((v) =>
      v
        .split(',')
        .map((host) => host.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.string().regex(HOST, 'expected host names or IP addresses, comma-separated')))
    .default([])
    .describe(
      "Hosts an endpoint may use although they are private or loopback (and over http): an in-cluster receiver, a test's.",
    ),
  WEBHOOK_DELIVERY_ENABLED: envBoolean()
    .default(true)
    .describe('Run the webhook dispatcher in this API process (every replica may; they share the work).'),
  WEBHOOK_POLL_INTERVAL_MS: envInt(10, 60_000)
    .default(1_000)
    .describe('How often the dispatcher looks for due deliveries when no attempt just ended.'),
  WEBHOOK_TIMEOUT_MS: envInt(100, 120_000)
    .default(10_000)
    .describe('Longest a delivery request may take, answer included.'),
  WEBHOOK_RETRY_BASE_MS: envInt(10, 3_600_000)
    .default(5_000)
    .describe(
      'Backoff: the delay after the first failed attempt; it doubles up to `WEBHOOK_RETRY_MAX_DELAY_MS`, with jitter (half fixed, half random).',
    ),
  WEBHOOK_RETRY_MAX_DELAY_MS: envInt(10, 24 * 3_600_000)
    .default(3_600_000)
    .describe('Backoff: the longest delay between two attempts.'),
  WEBHOOK_MAX_AGE_MS: envInt(100, 30 * 24 * 3_600_000)
    .default(24 * 3_600_000)
    .describe('An event still undelivered this long after it was written (or redelivered) is `dead`.'),
  WEBHOOK_CONCURRENCY_PER_ENDPOINT: envInt(1, 256)
    .default(4)
    .describe('Attempts in flight at once per endpoint.'),
  WEBHOOK_MAX_IN_FLIGHT: envInt(1, 4_096).default(32).describe('Attempts in flight at once per process.'),
  WEBHOOK_CIRCUIT_FAILURE_THRESHOLD: envInt(1, 1_000)
    .default(5)
    .describe("Consecutive failed attempts that open an endpoint's circuit."),
  WEBHOOK_CIRCUIT_COOLDOWN_MS: envInt(10, 3_600_000)
    .default(30_000)
    .describe('How long an open circuit stays open before one probe.'),
  WEBHOOK_SECRET_ROTATION_GRACE_MS: envInt(0, 30 * 24 * 3_600_000)
    .default(24 * 3_600_000)
    .describe(
      'After a secret rotation, how long deliveries are also signed with the replaced secret (`v1,<new> v1,<replaced>`).',
    ),
  WEBHOOK_LEGACY_SIGNATURES_UNTIL: z
    .string()
    .refine((v) => ISO_DATE_TIME.safeParse(v).success, {
      error: 'expected an ISO 8601 date-time with its zone, e.g. 2027-01-31T00:00:00Z',
    })
    .transform((v) => new Date(v))
    .optional()
    .describe(
      'ISO 8601 date-time when `webhook-signature-legacy` stops for every endpoint registered before Standard Webhooks signatures. Unset: 30 days after the migration.',
    ),
};

type WebhooksEnv = z.infer<z.ZodObject<typeof webhooksEnvShape>> & { NODE_ENV: string };

export function webhookSettings(env: WebhooksEnv, serviceVersion: string): WebhooksModuleOptions {
  return {
    urlPolicy: {
      // https everywhere but development; http to the allowed hosts in any case.
      allowHttp: env.WEBHOOK_ALLOW_HTTP ?? env.NODE_ENV === 'development',
      allowedHosts: env.WEBHOOK_ALLOWED_HOSTS,
    },
    delivery: {
      enabled: env.WEBHOOK_DELIVERY_ENABLED,
      pollIntervalMs: env.WEBHOOK_POLL_INTERVAL_MS,
      timeoutMs: env.WEBHOOK_TIMEOUT_MS,
      concurrencyPerEndpoint: env.WEBHOOK_CONCURRENCY_PER_ENDPOINT,
      maxInFlight: env.WEBHOOK_MAX_IN_FLIGHT,
      circuitFailureThreshold: env.WEBHOOK_CIRCUIT_FAILURE_THRESHOLD,
      circuitCooldownMs: env.WEBHOOK_CIRCUIT_COOLDOWN_MS,
      retry: {
        baseDelayMs: env.WEBHOOK_RETRY_BASE_MS,
        maxDelayMs: env.WEBHOOK_RETRY_MAX_DELAY_MS,
        maxAgeMs: env.WEBHOOK_MAX_AGE_MS,
      },
      userAgent: `orders-webhooks/${serviceVersion}`,
    },
    signing: {
      rotationGraceMs: env.WEBHOOK_SECRET_ROTATION_GRACE_MS,
      legacySignaturesUntil: env.WEBHOOK_LEGACY_SIGNATURES_UNTIL ?? null,
    },
  };
}
