import { parseList, type Item } from 'structured-headers';
import { legacyRateLimitHeaders, rateLimitField, rateLimitPolicyField } from './rate-limit-fields';
import type { RateLimitPolicy } from './rate-limit-window';

describe('RateLimit fields', () => {
  const policy: RateLimitPolicy = { name: 'orders', quota: 60, windowSeconds: 60 };

  it('writes the policy as a List of one String item with integer q and w', () => {
    const field = rateLimitPolicyField(policy);
    expect(field).toBe('"orders";q=60;w=60');
    const [item] = parseList(field) as Item[];
    expect(item[0]).toBe('orders');
    expect(Object.fromEntries(item[1])).toEqual({ q: 60, w: 60 });
  });

  it('writes the current state with integer r and t, under the same name', () => {
    const field = rateLimitField(policy, { allowed: true, remaining: 59, resetSeconds: 37 });
    expect(field).toBe('"orders";r=59;t=37');
    expect(parseList(field)).toEqual([
      [
        'orders',
        new Map([
          ['r', 59],
          ['t', 37],
        ]),
      ],
    ]);
    expect(rateLimitField(policy, { allowed: false, remaining: 0, resetSeconds: 1 })).toBe(
      '"orders";r=0;t=1',
    );
  });

  it('takes the name and quota from the policy', () => {
    const other: RateLimitPolicy = { name: 'checkout.v2', quota: 1_000_000, windowSeconds: 60 };
    expect(rateLimitPolicyField(other)).toBe('"checkout.v2";q=1000000;w=60');
  });

  it('gives the legacy headers as plain integers', () => {
    expect(legacyRateLimitHeaders(policy, { allowed: true, remaining: 4, resetSeconds: 12 })).toEqual({
      'x-ratelimit-limit': '60',
      'x-ratelimit-remaining': '4',
      'x-ratelimit-reset': '12',
    });
  });
});
