import { envInt } from '@app/config';
import type { Provider } from '@nestjs/common';
import type { z } from 'zod';

/** How long a restock's `Idempotency-Key` is remembered unless configured otherwise: 30 days. */
export const DEFAULT_RESTOCK_KEY_TTL_SECONDS = 30 * 24 * 3600;

/** How long a restock's `Idempotency-Key` is remembered, for docs/configuration.md. */
export const restockEnvShape = {
  RESTOCK_IDEMPOTENCY_TTL_SECONDS: envInt(60, 366 * 24 * 3600)
    .default(DEFAULT_RESTOCK_KEY_TTL_SECONDS)
    .describe(
      "How long a restock's `Idempotency-Key` is remembered (per operator; 30 days): a repeat within it gets the first answer and adds no stock.",
    ),
};

type RestockEnv = z.infer<z.ZodObject<typeof restockEnvShape>>;

/** The idempotency of `POST /products/:sku/restock`. */
export interface RestockIdempotencySettings {
  /** Seconds a key counts from the restock that took it; past them the key is unused again. */
  ttlSeconds: number;
}

export function restockIdempotencySettings(env: RestockEnv): RestockIdempotencySettings {
  return { ttlSeconds: env.RESTOCK_IDEMPOTENCY_TTL_SECONDS };
}

/** The injection token of the settings, for the products controller. */
export const RESTOCK_IDEMPOTENCY_SETTINGS = Symbol('RESTOCK_IDEMPOTENCY_SETTINGS');

/** The settings as a provider, for the module that holds the products controller. */
export function restockIdempotencyProvider(config: {
  restockIdempotency: RestockIdempotencySettings;
}): Provider {
  return { provide: RESTOCK_IDEMPOTENCY_SETTINGS, useValue: config.restockIdempotency };
}
