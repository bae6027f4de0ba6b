import { loadApiConfig } from './api.config';
import { ConfigurationError } from '@app/config';

describe('loadApiConfig', () => {
  it('defaults to the embedded database and the inline engine', () => {
    const config = loadApiConfig({});
    expect(config.databaseUrl).toBeUndefined();
    expect(config.engine).toEqual({ type: 'inline', resumeOnStart: true });
    expect(config.port).toBe(3000);
    expect(config.bodyLimitBytes).toBe(1024 * 1024);
    expect(config.bodyDrain).toEqual({ maxBytes: 32 * 1024 * 1024, timeoutMs: 5_000 });
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
        OPERATOR_API_KEY: 'short',
      });
    expect(attempt).toThrow(ConfigurationError);
    try {
      attempt();
    } catch (error) {
      const message = (error as Error).message;
      for (const name of ['PORT', 'DATABASE_URL', 'PAYMENT_SIM_DECLINE_RATE', 'OPERATOR_API_KEY'])
        expect(message).toContain(name);
    }
  });

  it('serves metrics unless METRICS_ENABLED is false', () => {
    expect(loadApiConfig({}).metricsEnabled).toBe(true);
    expect(loadApiConfig({ METRICS_ENABLED: 'false' }).metricsEnabled).toBe(false);
    expect(() => loadApiConfig({ METRICS_ENABLED: 'off' })).toThrow(/METRICS_ENABLED/);
  });

  it('treats empty values as unset', () => {
    expect(loadApiConfig({ DATABASE_URL: '', TEMPORAL_ADDRESS: '' }).engine.type).toBe('inline');
  });
});
