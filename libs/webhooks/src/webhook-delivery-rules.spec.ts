import { DEFAULT_RETRY_POLICY, retryDelayMs, verdictOf } from './webhook-retry';
import { signWebhook, verifyWebhookSignature } from './webhook-signature';

describe('webhook signatures (HMAC-SHA256 over "<timestamp>.<body>")', () => {
  const body = JSON.stringify({ id: 'evt-1', type: 'order.created' });

  it('verifies with the secret and fails with another, a changed body or a stale timestamp', () => {
    const header = signWebhook('whsec_a', body, 1_800_000_000);
    expect(header).toMatch(/^t=1800000000,v1=[0-9a-f]{64}$/);
    expect(verifyWebhookSignature('whsec_a', body, header, { now: 1_800_000_010 })).toBe(true);
    expect(verifyWebhookSignature('whsec_b', body, header, { now: 1_800_000_010 })).toBe(false);
    expect(verifyWebhookSignature('whsec_a', `${body} `, header, { now: 1_800_000_010 })).toBe(false);
    expect(verifyWebhookSignature('whsec_a', body, header, { now: 1_800_000_301 })).toBe(false);
    expect(verifyWebhookSignature('whsec_a', body, undefined)).toBe(false);
    expect(verifyWebhookSignature('whsec_a', body, 't=abc,v1=00')).toBe(false);
  });
});

describe('webhook retries', () => {
  it('retries 5xx, 408, 429 and no answer; gives up on other 4xx; 2xx is delivered', () => {
    expect([200, 204, 500, 503, 408, 429, 400, 404, 410, 301, undefined].map(verdictOf)).toEqual([
      'delivered',
      'delivered',
      'retry',
      'retry',
      'retry',
      'retry',
      'dead',
      'dead',
      'dead',
      'dead',
      'retry',
    ]);
  });

  it('backs off exponentially with jitter, within half and all of the capped delay', () => {
    const policy = { ...DEFAULT_RETRY_POLICY, baseDelayMs: 1_000, maxDelayMs: 30_000 };
    expect([1, 2, 3, 4, 5, 6].map((attempt) => retryDelayMs(attempt, policy, () => 0))).toEqual([
      500, 1_000, 2_000, 4_000, 8_000, 15_000,
    ]);
    expect([1, 2, 6].map((attempt) => retryDelayMs(attempt, policy, () => 1))).toEqual([
      1_000, 2_000, 30_000,
    ]);
  });
});
