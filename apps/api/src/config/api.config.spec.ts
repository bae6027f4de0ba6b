import { loadApiConfig } from './api.config';
import { ConfigurationError } from '@app/config';

describe('loadApiConfig', () => {
  it('defaults to the embedded database and the inline engine', () => {
    const config = loadApiConfig({});
    expect(config.databaseUrl).toBeUndefined();
    expect(config.engine).toEqual({
      type: 'inline',
      resumeOnStart: true,
      exclusive: true,
      infrastructureRetryMs: 300_000,
    });
    expect(config.port).toBe(3000);
    expect(config.bodyLimitBytes).toBe(1024 * 1024);
    expect(config.bodyDrain).toEqual({ maxBytes: 32 * 1024 * 1024, timeoutMs: 5_000 });
  });

  it("takes the saga steps' infrastructure retry budget and the inline engine's lease setting", () => {
    expect(
      loadApiConfig({ SAGA_INFRASTRUCTURE_RETRY_MS: '3000', INLINE_ENGINE_EXCLUSIVE: 'false' }).engine,
    ).toMatchObject({ type: 'inline', infrastructureRetryMs: 3_000, exclusive: false });
    for (const value of ['999', 'five minutes', String(24 * 3600_000 + 1)])
      expect(() => loadApiConfig({ SAGA_INFRASTRUCTURE_RETRY_MS: value })).toThrow(
        /SAGA_INFRASTRUCTURE_RETRY_MS/,
      );
  });

  it('switches to Temporal when TEMPORAL_ADDRESS is set', () => {
    const config = loadApiConfig({ TEMPORAL_ADDRESS: 'temporal:7233', TEMPORAL_TASK_QUEUE: 'orders-eu' });
    expect(config.engine).toEqual({
      type: 'temporal',
      address: 'temporal:7233',
      namespace: 'default',
      taskQueue: 'orders-eu',
      callTimeoutMs: 5000,
    });
  });

  it('names every invalid variable in one error', () => {
    const attempt = () =>
      loadApiConfig({
        PORT: 'eighty',
        DATABASE_URL: 'mysql://x',
        PAYMENT_SIM_DECLINE_RATE: '2',
        AUTH_ISSUER: 'https://login.example.com/',
      });
    expect(attempt).toThrow(ConfigurationError);
    try {
      attempt();
    } catch (error) {
      const message = (error as Error).message;
      for (const name of [
        'PORT',
        'DATABASE_URL',
        'PAYMENT_SIM_DECLINE_RATE',
        'AUTH_AUDIENCE',
        'AUTH_JWKS_URL',
      ])
        expect(message).toContain(name);
    }
  });

  it('serves metrics unless METRICS_ENABLED is false', () => {
    expect(loadApiConfig({}).metricsEnabled).toBe(true);
    expect(loadApiConfig({ METRICS_ENABLED: 'false' }).metricsEnabled).toBe(false);
    expect(() => loadApiConfig({ METRICS_ENABLED: 'off' })).toThrow(/METRICS_ENABLED/);
  });

  describe('webhooks', () => {
    it('allows http only in development by default, and always to the allowed hosts', () => {
      expect(loadApiConfig({}).webhooks.urlPolicy).toEqual({ allowHttp: true, allowedHosts: [] });
      expect(loadApiConfig({ NODE_ENV: 'production' }).webhooks.urlPolicy.allowHttp).toBe(false);
      expect(
        loadApiConfig({
          NODE_ENV: 'production',
          WEBHOOK_ALLOW_HTTP: 'true',
          WEBHOOK_ALLOWED_HOSTS: '127.0.0.1, receiver.internal',
        }).webhooks.urlPolicy,
      ).toEqual({ allowHttp: true, allowedHosts: ['127.0.0.1', 'receiver.internal'] });
    });

    it('takes the retry schedule, the limits and the circuit breaker from the environment', () => {
      const { delivery } = loadApiConfig({
        WEBHOOK_RETRY_BASE_MS: '100',
        WEBHOOK_MAX_AGE_MS: '2000',
        WEBHOOK_CIRCUIT_FAILURE_THRESHOLD: '3',
      }).webhooks;
      expect(delivery).toMatchObject({
        enabled: true,
        timeoutMs: 10_000,
        circuitFailureThreshold: 3,
        retry: { baseDelayMs: 100, maxDelayMs: 3_600_000, maxAgeMs: 2_000 },
      });
    });

    it('names invalid webhook variables', () => {
      const attempt = () =>
        loadApiConfig({
          WEBHOOK_ALLOWED_HOSTS: 'http://x/',
          WEBHOOK_TIMEOUT_MS: '0',
          WEBHOOK_ALLOW_HTTP: 'maybe',
        });
      for (const name of ['WEBHOOK_ALLOWED_HOSTS', 'WEBHOOK_TIMEOUT_MS', 'WEBHOOK_ALLOW_HTTP'])
        expect(attempt).toThrow(name);
    });
  });

  describe('PROBLEM_TYPE_BASE', () => {
    it('defaults to a placeholder under the reserved .example domain', () => {
      expect(loadApiConfig({}).problemTypeBase).toBe('https://orders.example/errors/');
      expect(loadApiConfig({ PROBLEM_TYPE_BASE: 'https://docs.shop.test/api/errors/' }).problemTypeBase).toBe(
        'https://docs.shop.test/api/errors/',
      );
      expect(loadApiConfig({ PROBLEM_TYPE_BASE: 'urn:shop:errors/' }).problemTypeBase).toBe(
        'urn:shop:errors/',
      );
    });

    it.each([
      ['a relative path', 'docs/errors/'],
      ['no trailing slash', 'https://docs.shop.test/errors'],
      ['a query', 'https://docs.shop.test/errors/?v=1/'],
      ['a fragment', 'https://docs.shop.test/errors#/'],
      ['not a URI', 'errors'],
    ])('refuses %s', (_what, value) => {
      expect(() => loadApiConfig({ PROBLEM_TYPE_BASE: value })).toThrow(
        /PROBLEM_TYPE_BASE: expected an absolute URI ending with \//,
      );
    });
  });

  it('treats empty values as unset', () => {
    expect(loadApiConfig({ DATABASE_URL: '', TEMPORAL_ADDRESS: '' }).engine.type).toBe('inline');
  });

  describe('authentication', () => {
    const JWKS = {
      AUTH_ISSUER: 'https://login.example.com/',
      AUTH_AUDIENCE: 'orders-api',
      AUTH_JWKS_URL: 'https://login.example.com/.well-known/jwks.json',
    };
    const problems = (env: NodeJS.ProcessEnv) => {
      try {
        loadApiConfig(env);
        return '';
      } catch (error) {
        return (error as Error).message;
      }
    };

    it('uses the local development key when nothing is configured', () => {
      expect(loadApiConfig({}).auth).toEqual({ mode: 'local', keyFile: '.data/auth/local-signing-key.json' });
      expect(loadApiConfig({ AUTH_LOCAL_KEY_FILE: '/keys/k.json' }).auth).toMatchObject({
        keyFile: '/keys/k.json',
      });
    });

    it('verifies against the JWKS with asymmetric algorithms only when all three variables are set', () => {
      expect(loadApiConfig(JWKS).auth).toEqual({
        mode: 'jwks',
        issuer: JWKS.AUTH_ISSUER,
        audience: 'orders-api',
        jwksUrl: new URL(JWKS.AUTH_JWKS_URL),
        algorithms: ['RS256', 'ES256'],
      });
      expect(loadApiConfig({ ...JWKS, AUTH_ALGORITHMS: 'EdDSA, PS256' }).auth).toMatchObject({
        algorithms: ['EdDSA', 'PS256'],
      });
      for (const algorithms of ['HS256', 'none', 'RS256,HS512', ','])
        expect(problems({ ...JWKS, AUTH_ALGORITHMS: algorithms })).toContain('AUTH_ALGORITHMS');
    });

    it.each([
      ['AUTH_ISSUER', ['AUTH_AUDIENCE', 'AUTH_JWKS_URL']],
      ['AUTH_AUDIENCE', ['AUTH_ISSUER', 'AUTH_JWKS_URL']],
      ['AUTH_JWKS_URL', ['AUTH_ISSUER', 'AUTH_AUDIENCE']],
    ] as const)('refuses %s alone, naming each missing variable', (set, missing) => {
      const message = problems({ [set]: JWKS[set] });
      for (const name of missing) expect(message).toMatch(new RegExp(`${name}: Required when ${set} is set`));
    });

    it('fetches keys over https, or http on this machine only', () => {
      expect(problems({ ...JWKS, AUTH_JWKS_URL: 'http://login.example.com/jwks.json' })).toContain(
        'AUTH_JWKS_URL',
      );
      expect(problems({ ...JWKS, AUTH_JWKS_URL: 'ftp://login.example.com/jwks.json' })).toContain(
        'AUTH_JWKS_URL',
      );
      expect(loadApiConfig({ ...JWKS, AUTH_JWKS_URL: 'http://127.0.0.1:8080/jwks.json' }).auth.mode).toBe(
        'jwks',
      );
    });

    it('refuses OPERATOR_API_KEY, which no longer protects anything', () => {
      expect(problems({ OPERATOR_API_KEY: 'a-long-operator-key-0123' })).toMatch(
        /OPERATOR_API_KEY: is no longer used: operator routes need a bearer token with the orders:admin scope/,
      );
    });

    it('limits orders per customer and minute, 60 unless configured, 0 for no limit', () => {
      expect(loadApiConfig({}).orderRateLimitPerMinute).toBe(60);
      expect(loadApiConfig({ ORDER_RATE_LIMIT_PER_MINUTE: '0' }).orderRateLimitPerMinute).toBe(0);
      expect(problems({ ORDER_RATE_LIMIT_PER_MINUTE: '-1' })).toContain('ORDER_RATE_LIMIT_PER_MINUTE');
    });
  });
});
