import { Controller, Get, Inject, Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { register } from 'prom-client';
import { METRICS_ENABLED } from '../observability.constants';
import { ObservabilityModule } from '../observability.module';
import { freePort, isListening } from '../../../../tooling/free-port';
import { MetricsServer } from './metrics.server';

@Controller('widgets')
class WidgetsController {
  constructor(@Inject(METRICS_ENABLED) private readonly metricsEnabled: boolean) {}

  @Get()
  list() {
    return { metricsEnabled: this.metricsEnabled };
  }
}

/** `metrics.enabled: false`: the application serves as before, with no metrics port and no HTTP hooks. */
describe('metrics switched off', () => {
  let app: INestApplication;
  let baseUrl: string;
  let metricsPort: number;

  beforeAll(async () => {
    register.resetMetrics();
    metricsPort = await freePort();
    @Module({
      imports: [
        ObservabilityModule.forRoot({
          serviceName: 'widgets',
          metrics: { enabled: false, port: metricsPort, host: '127.0.0.1' },
          logging: { level: 'silent' },
        }),
      ],
      controllers: [WidgetsController],
    })
    class WidgetsModule {}
    app = await NestFactory.create(WidgetsModule, new FastifyAdapter(), { logger: false });
    await app.listen(0, '127.0.0.1');
    baseUrl = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  });
  afterAll(async () => {
    await app?.close();
  });

  it('opens no metrics port', async () => {
    expect(app.get(MetricsServer).port()).toBeNull();
    expect(await isListening(metricsPort)).toBe(false);
  });

  it('still serves requests and health, and tells other modules that metrics are off', async () => {
    const widgets = await fetch(`${baseUrl}/widgets`);
    expect(widgets.status).toBe(200);
    expect(await widgets.json()).toEqual({ metricsEnabled: false });
    expect((await fetch(`${baseUrl}/health/live`)).status).toBe(200);
  });

  it('records no HTTP series', async () => {
    await fetch(`${baseUrl}/widgets`);
    const requests = await register.getSingleMetric('http_requests_total')?.get();
    const inFlight = await register.getSingleMetric('http_requests_in_flight')?.get();
    expect(requests?.values ?? []).toEqual([]);
    expect(inFlight?.values ?? []).toEqual([]);
  });
});
