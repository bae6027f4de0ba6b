import { loadApiConfig } from './api.config';

describe('rate limit store configuration', () => {
  it('counts in this process unless RATE_LIMIT_REDIS_URL is set', () => {
    expect(loadApiConfig({}).orderRateLimitStore).toEqual({ kind: 'process' });
  });

  it('counts in Redis under the app prefix, waiting 200 ms for it by default', () => {
    expect(loadApiConfig({ RATE_LIMIT_REDIS_URL: 'redis://redis:6379/0' }).orderRateLimitStore).toEqual({
      kind: 'redis',
      url: 'redis://redis:6379/0',
      keyPrefix: 'orders:ratelimit:',
      timeoutMs: 200,
    });
    const tls = loadApiConfig({
      RATE_LIMIT_REDIS_URL: 'rediss://:secret@cache.internal:6380',
      RATE_LIMIT_REDIS_TIMEOUT_MS: '50',
    });
    expect(tls.orderRateLimitStore).toMatchObject({ kind: 'redis', timeoutMs: 50 });
  });

  it('refuses other URLs and timeouts out of range, naming the variable', () => {
    expect(() => loadApiConfig({ RATE_LIMIT_REDIS_URL: 'http://redis:6379' })).toThrow(
      /RATE_LIMIT_REDIS_URL: expected a redis or rediss URL/,
    );
    expect(() => loadApiConfig({ RATE_LIMIT_REDIS_URL: 'redis-host:6379' })).toThrow(/RATE_LIMIT_REDIS_URL/);
    expect(() => loadApiConfig({ RATE_LIMIT_REDIS_TIMEOUT_MS: '0' })).toThrow(/RATE_LIMIT_REDIS_TIMEOUT_MS/);
    expect(() => loadApiConfig({ RATE_LIMIT_REDIS_TIMEOUT_MS: '60000' })).toThrow(
      /RATE_LIMIT_REDIS_TIMEOUT_MS/,
    );
  });
});

describe('rate limit field configuration', () => {
  it('names the policy "orders" and leaves out the legacy headers by default', () => {
    expect(loadApiConfig({}).orderRateLimitFields).toEqual({ policyName: 'orders', legacyHeaders: false });
  });

  it('takes another policy name and turns the legacy x-ratelimit headers on', () => {
    expect(
      loadApiConfig({ RATE_LIMIT_POLICY_NAME: 'checkout.v2', RATE_LIMIT_LEGACY_HEADERS: 'true' })
        .orderRateLimitFields,
    ).toEqual({ policyName: 'checkout.v2', legacyHeaders: true });
  });

  it('refuses a policy name that is not a plain word, and a legacy setting that is not a boolean', () => {
    for (const name of ['two words', 'quote"d', 'x'.repeat(65), 'ä'])
      expect(() => loadApiConfig({ RATE_LIMIT_POLICY_NAME: name })).toThrow(/RATE_LIMIT_POLICY_NAME/);
    expect(() => loadApiConfig({ RATE_LIMIT_LEGACY_HEADERS: 'sometimes' })).toThrow(
      /RATE_LIMIT_LEGACY_HEADERS: expected true or false/,
    );
  });
});
