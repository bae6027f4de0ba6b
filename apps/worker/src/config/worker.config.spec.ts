import { ConfigurationError, loadWorkerConfig } from './worker.config';

const REQUIRED = { TEMPORAL_ADDRESS: 'temporal:7233', DATABASE_URL: 'postgresql://orders@db:5432/orders' };

describe('loadWorkerConfig', () => {
  it('applies the documented defaults', () => {
    expect(loadWorkerConfig(REQUIRED)).toEqual({
      service: { name: 'orders-worker', version: expect.any(String), environment: 'development' },
      logLevel: 'info',
      logging: { level: 'info', elasticsearch: undefined },
      metricsPort: 9465,
      readinessDrainMs: 5000,
      database: { url: REQUIRED.DATABASE_URL, poolMax: 10, runMigrations: true, spanThresholdMs: 10 },
      temporal: {
        address: 'temporal:7233',
        namespace: 'default',
        taskQueue: 'orders',
        maxConcurrentActivities: 50,
        shutdownGraceMs: 10_000,
        workflowsPath: undefined,
        sdkMetricsAddress: '0.0.0.0:9466',
        infrastructureRetryMs: 300_000,
      },
      webhookSeries: { pruneIntervalMs: 60_000 },
      payments: { simulator: { latencyMs: 50, declineRate: 0, outage: false } },
      shipping: { simulator: { latencyMs: 50, failureRate: 0 } },
      faults: {
        baseline: {
          payment: { latencyMs: 50, declineRate: 0, outage: false },
          carrier: { latencyMs: 50, failureRate: 0 },
          database: { latencyMs: 0, ratio: 1 },
        },
        refreshIntervalMs: 2000,
      },
    });
  });

  it('parses every variable', () => {
    const config = loadWorkerConfig({
      ...REQUIRED,
      TEMPORAL_NAMESPACE: 'orders-prod',
      TEMPORAL_TASK_QUEUE: 'orders-v2',
      DATABASE_POOL_MAX: '4',
      DATABASE_RUN_MIGRATIONS: 'false',
      DB_SPAN_THRESHOLD_MS: '0',
      METRICS_PORT: '9000',
      WORKER_MAX_CONCURRENT_ACTIVITIES: '8',
      WORKER_SHUTDOWN_GRACE_MS: '2500',
      WORKFLOWS_PATH: '/srv/workflows.ts',
      LOG_LEVEL: 'debug',
      PAYMENT_SIM_LATENCY_MS: '0',
      PAYMENT_SIM_DECLINE_RATE: '0.25',
      PAYMENT_SIM_OUTAGE: 'yes',
      CARRIER_SIM_LATENCY_MS: '5',
      CARRIER_SIM_FAILURE_RATE: '1',
      DATABASE_FAULT_LATENCY_MS: '250',
      DATABASE_FAULT_RATIO: '0.5',
      FAULT_INJECTION_REFRESH_MS: '500',
      SAGA_INFRASTRUCTURE_RETRY_MS: '60000',
    });
    expect(config).toMatchObject({
      logLevel: 'debug',
      metricsPort: 9000,
      database: { poolMax: 4, runMigrations: false, spanThresholdMs: 0 },
      temporal: {
        namespace: 'orders-prod',
        taskQueue: 'orders-v2',
        maxConcurrentActivities: 8,
        shutdownGraceMs: 2500,
        workflowsPath: '/srv/workflows.ts',
        infrastructureRetryMs: 60_000,
      },
      payments: { simulator: { latencyMs: 0, declineRate: 0.25, outage: true } },
      shipping: { simulator: { latencyMs: 5, failureRate: 1 } },
      faults: {
        baseline: {
          payment: { latencyMs: 0, declineRate: 0.25, outage: true },
          database: { latencyMs: 250, ratio: 0.5 },
        },
        refreshIntervalMs: 500,
      },
    });
  });

  it('names every missing required variable (empty counts as missing)', () => {
    expect(() => loadWorkerConfig({ TEMPORAL_ADDRESS: '' })).toThrow(ConfigurationError);
    expect(() => loadWorkerConfig({ TEMPORAL_ADDRESS: '' })).toThrow(
      /TEMPORAL_ADDRESS: Required[\s\S]*DATABASE_URL: Required/,
    );
  });

  it('names every invalid variable', () => {
    let message = '';
    try {
      loadWorkerConfig({
        TEMPORAL_ADDRESS: 'http://temporal',
        DATABASE_URL: 'mysql://db/orders',
        METRICS_PORT: '70000',
        PAYMENT_SIM_OUTAGE: 'maybe',
        PAYMENT_SIM_DECLINE_RATE: '2',
      });
    } catch (error) {
      message = (error as Error).message;
    }
    for (const variable of [
      'TEMPORAL_ADDRESS',
      'DATABASE_URL',
      'METRICS_PORT',
      'PAYMENT_SIM_OUTAGE',
      'PAYMENT_SIM_DECLINE_RATE',
    ]) {
      expect(message).toContain(`${variable}:`);
    }
  });
});
