import { Module, type DynamicModule, type INestApplication } from '@nestjs/common';
import { ModulesContainer, NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { TraceService } from 'nestjs-otel';
import { register, type Histogram } from 'prom-client';
import { HTTP_METRICS } from './metrics/metric-names';
import { DebugVars } from './debug/debug-vars';
import { MetricsServer } from './metrics/metrics.server';
import { ObservabilityModule } from './observability.module';
import {
  DEFAULT_LATENCY_BUCKETS,
  resolveObservabilityOptions,
  type ObservabilityModuleOptions,
} from './observability.options';

const PROCESS_METRIC = 'process_cpu_user_seconds_total';

/** The bucket bounds of the registered HTTP latency histogram (prom-client keeps them as `upperBounds`). */
const latencyBuckets = () =>
  (register.getSingleMetric(HTTP_METRICS.duration) as Histogram & { upperBounds: number[] }).upperBounds;

/** The documented options take effect, given to forRoot or resolved by forRootAsync. */
describe('ObservabilityModule options', () => {
  let app: INestApplication | undefined;

  async function start(observability: DynamicModule): Promise<void> {
    @Module({ imports: [observability] })
    class AppModule {}
    app = await NestFactory.create(AppModule, new FastifyAdapter(), { logger: false });
    await app.init();
  }

  const base: ObservabilityModuleOptions = {
    serviceName: 'widgets',
    metrics: { port: null },
    logging: { level: 'silent' },
  };
  const custom: ObservabilityModuleOptions = {
    ...base,
    metrics: { port: null, latencyBuckets: [0.05, 0.5, 5], defaultMetrics: false },
  };

  beforeEach(() => register.clear());
  afterEach(async () => {
    await app?.close();
    app = undefined;
    register.clear();
  });

  it('defaults: the documented latency buckets and the process metrics', async () => {
    await start(ObservabilityModule.forRoot(base));
    expect(latencyBuckets()).toEqual(DEFAULT_LATENCY_BUCKETS);
    expect(register.getSingleMetric(PROCESS_METRIC)).toBeDefined();
  });

  it('forRoot: latencyBuckets changes the buckets and defaultMetrics: false leaves out the process metrics', async () => {
    await start(ObservabilityModule.forRoot(custom));
    expect(latencyBuckets()).toEqual([0.05, 0.5, 5]);
    expect(register.getSingleMetric(PROCESS_METRIC)).toBeUndefined();
  });

  it('forRootAsync: both options resolved from a factory', async () => {
    await start(ObservabilityModule.forRootAsync({ useFactory: async () => Promise.resolve(custom) }));
    expect(latencyBuckets()).toEqual([0.05, 0.5, 5]);
    expect(register.getSingleMetric(PROCESS_METRIC)).toBeUndefined();
  });

  it("mounts none of nestjs-otel's modules (a middleware on every route) and provides no TraceService", async () => {
    await start(ObservabilityModule.forRoot(base));
    const modules = [...app!.get(ModulesContainer).values()];
    const names = modules.map((module) => module.metatype.name);
    expect(names).toContain('ObservabilityModule');
    expect(names.filter((name) => name.startsWith('OpenTelemetry'))).toEqual([]);
    expect(modules.filter((module) => module.providers.has(TraceService))).toEqual([]);
  });

  it('names the log data streams after the service unless a prefix is given', () => {
    expect(
      resolveObservabilityOptions({ ...base, logging: { elasticsearch: { url: 'http://es:9200' } } }).logging
        .elasticsearch?.indexPrefix,
    ).toBe('widgets');
    expect(
      resolveObservabilityOptions({
        ...base,
        logging: { elasticsearch: { url: 'http://es:9200', indexPrefix: 'shop' } },
      }).logging.elasticsearch?.indexPrefix,
    ).toBe('shop');
  });

  it('serves the sections components register at /debug/vars on the metrics port, a failing one as its error', async () => {
    await start(ObservabilityModule.forRoot({ ...base, metrics: { port: 0, host: '127.0.0.1' } }));
    const vars = app!.get(DebugVars);
    vars.register('widgets', () => ({ pending: 3 }));
    vars.register('broken', () => {
      throw new Error('store unreachable');
    });
    const port = app!.get(MetricsServer).port();
    const response = await fetch(`http://127.0.0.1:${port}/debug/vars`);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await response.json()).toEqual({
      widgets: { pending: 3 },
      broken: { error: 'store unreachable' },
    });
  });
});
