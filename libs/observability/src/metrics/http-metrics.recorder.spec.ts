import { Controller, Get, Module, Param, type INestApplication } from '@nestjs/common';
import { context, trace, TraceFlags } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { HttpAdapterHost, NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Counter, Gauge, register, Registry } from 'prom-client';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { waitFor } from '../../../../tooling/wait-for';
import { ObservabilityModule } from '../observability.module';
import type { ResolvedObservabilityOptions } from '../observability.options';
import { HttpMetricsRecorder, MAX_BOUND_REQUEST_SERIES } from './http-metrics.recorder';
import { renderMetrics } from './metrics-exposition';
import { TracedHistogram } from './traced-histogram';

@Controller('widgets')
class WidgetsController {
  @Get(':id')
  get(@Param('id') id: string) {
    return { id };
  }
}

@Controller('pause')
class PauseController {
  @Get()
  async pause() {
    await sleep(30);
    return {};
  }
}

/** Answers once `releaseHeld` is called: a request its client gives up on. */
let releaseHeld: () => void = () => {};
let heldRequests = 0;

@Controller('held')
class HeldController {
  @Get()
  async held() {
    heldRequests += 1;
    await new Promise<void>((resolve) => (releaseHeld = resolve));
    return {};
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
  controllers: [WidgetsController, PauseController, HeldController],
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

  it('measures each request from its arrival to the end of its response, in seconds', async () => {
    for (let i = 0; i < 2; i++) expect((await fetch(`${baseUrl}/pause`)).status).toBe(200);
    const { body } = await renderMetrics(undefined);
    const series = 'method="GET",route="/pause",status_code="200"';
    const sum = Number(
      new RegExp(`^http_request_duration_seconds_sum\\{${series}\\} (\\S+)$`, 'm').exec(body)?.[1],
    );
    expect(sum).toBeGreaterThanOrEqual(0.06);
    expect(sum).toBeLessThan(5);
    expect(body).toMatch(
      new RegExp(`^http_request_duration_seconds_bucket\\{le="0.025",${series}\\} 0$`, 'm'),
    );
    expect(body).toMatch(new RegExp(`^http_request_duration_seconds_count\\{${series}\\} 2$`, 'm'));
  });

  it('counts a request whose client went away unanswered as 499, and takes it out of the in-flight gauge', async () => {
    const before = heldRequests;
    const socket = connect(Number(new URL(baseUrl).port), '127.0.0.1');
    socket.on('error', () => {});
    socket.write('GET /held HTTP/1.1\r\nHost: test\r\n\r\n');
    await waitFor(
      async () => heldRequests,
      (started) => started === before + 1,
      5_000,
      5,
    );
    expect((await renderMetrics(undefined)).body).toMatch(/^http_requests_in_flight\{method="GET"\} 1$/m);
    socket.destroy();
    const body = await waitFor(
      async () => (await renderMetrics(undefined)).body,
      (text) => /^http_requests_in_flight\{method="GET"\} 0$/m.test(text),
      5_000,
      5,
    );
    releaseHeld();
    expect(body).toMatch(/^http_requests_total\{method="GET",route="\/held",status_code="499"\} 1$/m);
    expect(body).not.toMatch(/^http_request_duration_seconds_count\{method="GET",route="\/held"/m);
  });
});

describe('HTTP golden signals on fastify: a request answered before the metrics hook ran', () => {
  let app: NestFastifyApplication;

  beforeAll(async () => {
    register.resetMetrics();
    app = await NestFactory.create<NestFastifyApplication>(WidgetsModule, new FastifyAdapter(), {
      logger: false,
    });
    // Added before the module's hooks (Nest adds them when the application initialises): it answers first.
    app
      .getHttpAdapter()
      .getInstance()
      .addHook('onRequest', (request, reply, done) => {
        if (request.url === '/widgets/limited') void reply.code(429).send();
        else done();
      });
    await app.listen(0, '127.0.0.1');
  });
  afterAll(async () => {
    await app?.close();
  });

  it('is not measured, and leaves the in-flight gauge where it was', async () => {
    const baseUrl = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    expect((await fetch(`${baseUrl}/widgets/limited`)).status).toBe(429);
    expect((await fetch(`${baseUrl}/widgets/1`)).status).toBe(200);
    const { body } = await renderMetrics(undefined);
    expect(body).not.toContain('status_code="429"');
    expect(body).toMatch(/^http_requests_total\{method="GET",route="\/widgets\/:id",status_code="200"\} 1$/m);
    expect(body).toMatch(/^http_requests_in_flight\{method="GET"\} 0$/m);
  });
});

describe('HttpMetricsRecorder: label sets bound to their series', () => {
  type Hook = (request: object, reply: object, done: () => void) => void;

  /** A recorder on a Fastify stand-in, its metrics in a registry of their own; and the same metrics recorded as prom-client records any sample. */
  function recorderAndTwin() {
    const make = () => {
      // OpenMetrics, so that the duration keeps exemplars.
      const openMetrics = new Registry<typeof Registry.OPENMETRICS_CONTENT_TYPE>();
      openMetrics.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
      const registry = openMetrics as unknown as Registry;
      const labelNames = ['method', 'route', 'status_code'];
      return {
        registry,
        requests: new Counter({ name: 'http_requests_total', help: 'h', labelNames, registers: [registry] }),
        duration: new TracedHistogram({
          name: 'http_request_duration_seconds',
          help: 'h',
          labelNames,
          registers: [registry],
        }),
        inFlight: new Gauge({
          name: 'http_requests_in_flight',
          help: 'h',
          labelNames: ['method'],
          registers: [registry],
        }),
      };
    };
    const bound = make();
    const unbound = make();
    const hooks = new Map<string, Hook>();
    const adapterHost = {
      httpAdapter: {
        getType: () => 'fastify',
        getInstance: () => ({ addHook: (name: string, hook: Hook) => hooks.set(name, hook) }),
      },
    } as unknown as HttpAdapterHost;
    const options = { metrics: { enabled: true } } as ResolvedObservabilityOptions;
    const recorder = new HttpMetricsRecorder(
      adapterHost,
      options,
      bound.requests,
      bound.duration,
      bound.inFlight,
    );
    recorder.onModuleInit();
    const serve = (method: string, route: string, statusCode: number, elapsedTime: number) => {
      const request = { method, routeOptions: { url: route } };
      const reply = { statusCode, elapsedTime };
      hooks.get('onRequest')!(request, reply, () => undefined);
      hooks.get('onResponse')!(request, reply, () => undefined);
      const labels = { method, route, status_code: String(statusCode) };
      unbound.requests.inc(labels);
      unbound.duration.observe(labels, elapsedTime / 1e3);
      unbound.inFlight.inc({ method }, 0);
    };
    return { bound, unbound, serve, recorder };
  }

  it('records the counts and durations of recording each request by its labels, for every label set', async () => {
    const { bound, unbound, serve } = recorderAndTwin();
    for (let i = 0; i < 300; i++) {
      serve(i % 3 ? 'GET' : 'POST', `/things${i % 7}/:id`, [200, 201, 404, 503, 299][i % 5], (i % 11) * 7.3);
    }
    serve('GET', 'unmatched', 404, 0.4);
    const text = await bound.registry.metrics();
    expect(text).toBe(await unbound.registry.metrics());
    expect(text).toMatch(
      /^http_requests_total\{method="GET",route="\/things1\/:id",status_code="201"\} \d+$/m,
    );
    expect(text).toMatch(/^http_requests_in_flight\{method="POST"\} 0$/m);
  });

  it("links the duration to the sampled trace active when the response ends, as prom-client's exemplar path does", async () => {
    const contextManager = new AsyncLocalStorageContextManager().enable();
    const registered = context.setGlobalContextManager(contextManager);
    try {
      const { bound, unbound, serve } = recorderAndTwin();
      const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
      const inTrace = (sampled: boolean) =>
        trace.setSpanContext(context.active(), {
          traceId,
          spanId: '00f067aa0ba902b7',
          traceFlags: sampled ? TraceFlags.SAMPLED : TraceFlags.NONE,
          isRemote: true,
        });
      serve('GET', '/orders/:id', 200, 3); // the series exists: the exemplars below take the bound path
      context.with(inTrace(true), () => serve('GET', '/orders/:id', 200, 4));
      context.with(inTrace(true), () => serve('GET', '/orders/:id', 200, 40));
      context.with(inTrace(false), () => serve('GET', '/orders/:id', 200, 45));
      const exemplars = (text: string) =>
        [
          ...text.matchAll(
            /^http_request_duration_seconds_bucket\{le="([^"]+)".*\} \d+ # \{trace_id="(\w+)"\} (\S+) /gm,
          ),
        ].map(([, le, id, value]) => [le, id, value]);
      const text = await bound.registry.metrics();
      expect(exemplars(text)).toEqual([
        ['0.005', traceId, '0.004'],
        ['0.05', traceId, '0.04'],
      ]);
      expect(exemplars(text)).toEqual(exemplars(await unbound.registry.metrics()));
      expect(text).toMatch(
        /^http_request_duration_seconds_count\{method="GET",route="\/orders\/:id",status_code="200"\} 4$/m,
      );
    } finally {
      if (registered) context.disable();
      contextManager.disable();
    }
  });

  it(`binds ${MAX_BOUND_REQUEST_SERIES} label sets at most, and records the others as prom-client records any sample`, async () => {
    const { bound, unbound, serve, recorder } = recorderAndTwin();
    const routes = Array.from({ length: MAX_BOUND_REQUEST_SERIES + 20 }, (_, i) => `/r${i}`);
    for (const route of routes) serve('GET', route, 200, 1.5);
    for (const route of [...routes.slice(0, 10), ...routes.slice(-10)]) serve('GET', route, 200, 20);
    expect((recorder as unknown as { boundSeries: number }).boundSeries).toBe(MAX_BOUND_REQUEST_SERIES);
    const text = await bound.registry.metrics();
    expect(text).toBe(await unbound.registry.metrics());
    expect(text).toMatch(
      /^http_request_duration_seconds_count\{method="GET",route="\/r0",status_code="200"\} 2$/m,
    );
    const last = `method="GET",route="/r${routes.length - 1}",status_code="200"`;
    expect(text).toMatch(new RegExp(`^http_request_duration_seconds_count\\{${last}\\} 2$`, 'm'));
    expect(
      Number(new RegExp(`^http_request_duration_seconds_sum\\{${last}\\} (\\S+)$`, 'm').exec(text)?.[1]),
    ).toBeCloseTo(0.0215, 9);
  });
});
