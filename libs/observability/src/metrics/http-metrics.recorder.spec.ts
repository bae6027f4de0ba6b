import { Controller, Get, Module, Param, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { register } from 'prom-client';
import { ObservabilityModule } from '../observability.module';
import { renderMetrics } from './metrics-exposition';

@Controller('widgets')
class WidgetsController {
  @Get(':id')
  get(@Param('id') id: string) {
    return { id };
  }
}

@Module({
  imports: [
    ObservabilityModule.forRoot({
      serviceName: 'widgets',
      metrics: { port: null },
      logging: { level: 'silent' },
    }),
  ],
  controllers: [WidgetsController],
})
class WidgetsModule {}

/** The same module on both HTTP adapters Nest ships: route templates, never raw paths. */
describe.each([
  ['fastify', () => new FastifyAdapter()],
  ['express', () => new ExpressAdapter()],
])('HTTP golden signals on %s', (_name, adapter) => {
  let app: INestApplication;
  let baseUrl: string;

  beforeAll(async () => {
    register.resetMetrics();
    app = await NestFactory.create(WidgetsModule, adapter(), { logger: false });
    await app.listen(0, '127.0.0.1');
    baseUrl = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  });
  afterAll(async () => {
    await app?.close();
  });

  it('labels by route template and collapses unknown paths into one value', async () => {
    for (const id of ['1', '2', 'abc']) expect((await fetch(`${baseUrl}/widgets/${id}`)).status).toBe(200);
    for (const path of ['/nope', '/scan/1', '/scan/2?x=1'])
      expect((await fetch(`${baseUrl}${path}`)).status).toBe(404);
    const { body } = await renderMetrics(undefined);
    const routes = [...body.matchAll(/^http_requests_total\{([^}]*)\} (\d+)/gm)].map(([, labels, value]) => [
      labels,
      Number(value),
    ]);
    expect(routes).toEqual(
      expect.arrayContaining([
        ['method="GET",route="/widgets/:id",status_code="200"', 3],
        ['method="GET",route="unmatched",status_code="404"', 3],
      ]),
    );
    expect(body).not.toMatch(/route="\/widgets\/(1|2|abc)"/);
    expect(body).not.toMatch(/route="\/(nope|scan)/);
    expect(body).toMatch(
      /^http_request_duration_seconds_count\{method="GET",route="\/widgets\/:id",status_code="200"\} 3$/m,
    );
    expect(body).toMatch(/^http_requests_in_flight\{method="GET"\} 0$/m);
  });
});
