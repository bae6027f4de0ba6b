import { serializeList } from 'structured-headers';
import type { AllowanceState, RateLimitPolicy } from './rate-limit-window';

/**
 * The fields of the IETF RateLimit header fields draft (draft-ietf-httpapi-ratelimit-headers), as RFC
 * 9651 structured fields: each a List with one Item, the policy's name as a String.
 */
export const RATE_LIMIT_FIELDS = {
  /** The quota policy: `"orders";q=60;w=60`. */
  policy: 'ratelimit-policy',
  /** Where the caller stands in it: `"orders";r=59;t=60`. */
  limit: 'ratelimit',
} as const;

/** The `x-ratelimit-*` headers of earlier versions (`RATE_LIMIT_LEGACY_HEADERS=true`). */
export const LEGACY_RATE_LIMIT_HEADERS = {
  limit: 'x-ratelimit-limit',
  remaining: 'x-ratelimit-remaining',
  /** Seconds until the window resets. */
  reset: 'x-ratelimit-reset',
} as const;

/** `RateLimit-Policy`: the quota `q` per window of `w` seconds. */
export function rateLimitPolicyField(policy: RateLimitPolicy): string {
  return serializeList([
    [
      policy.name,
      new Map([
        ['q', policy.quota],
        ['w', policy.windowSeconds],
      ]),
    ],
  ]);
}

/** `RateLimit`: `r` requests remaining, `t` seconds until more quota is available (the window resets). */
export function rateLimitField(policy: RateLimitPolicy, state: AllowanceState): string {
  return serializeList([
    [
      policy.name,
      new Map([
        ['r', state.remaining],
        ['t', state.resetSeconds],
      ]),
    ],
  ]);
}

/** The `x-ratelimit-*` header values (plain integers) for the same state. */
export function legacyRateLimitHeaders(
  policy: RateLimitPolicy,
  state: AllowanceState,
): Record<(typeof LEGACY_RATE_LIMIT_HEADERS)[keyof typeof LEGACY_RATE_LIMIT_HEADERS], string> {
  return {
    [LEGACY_RATE_LIMIT_HEADERS.limit]: String(policy.quota),
    [LEGACY_RATE_LIMIT_HEADERS.remaining]: String(state.remaining),
    [LEGACY_RATE_LIMIT_HEADERS.reset]: String(state.resetSeconds),
  };
}
