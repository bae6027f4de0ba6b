import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import { Controller, Get, Injectable, Module, Param, type INestApplication } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { context, ROOT_CONTEXT, TraceFlags, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { PinoLogger } from 'nestjs-pino';
import pino from 'pino';
import { waitFor } from '../../../../tooling/wait-for';
import { contextWithRequestScope, requestScopeOf } from '../http/request-scope';
import { ShutdownState } from '../health/shutdown-state';
import { ObservabilityModule } from '../observability.module';
import { resolveObservabilityOptions } from '../observability.options';
import { AccessLog, accessLogLevel } from './access-log';
import { APP_LOGGER } from './app-logger';
import { LogContext } from './log-context.decorator';
import { LogSamplingStats } from './log-sampling';
import { appLoggerOptions } from './logger.options';
import { requestIdFrom } from './request-id';
import { logLines, type LogLine } from './log-lines.fixture';

type Line = LogLine;

const sink = logLines;

/** The top-level keys of a written line, repeated ones included (JSON.parse would keep the last). */
function keysOf(raw: string): string[] {
  const line = JSON.parse(raw) as Line;
  return [...raw.matchAll(/[{,]"([^"]+)":/g)].map((m) => m[1]).filter((key) => key in line);
}

const USER_AGENT = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';
/** A trace whose lines sampling always drops below `warn` (its fold is the largest), and one always kept. */
const ALWAYS_DROPPED = 'ffffffff000000000000000000000000';
const ALWAYS_KEPT = '00000000000000000000000000000001';

/** The pino logger nestjs-pino hands each handler (a child per request if a request middleware made one). */
const loggersInHandlers: unknown[] = [];

let releaseSlow: () => void = () => {};
let slowRequests = 0;

@Injectable()
class Orders {
  constructor(readonly logger: PinoLogger) {}
}

@Controller()
class TestController {
  constructor(private readonly orders: Orders) {}

  @Get('orders/:id')
  @LogContext({
    fromRequest: (request) => ({ 'order.id': request.params.id }),
    fromResult: (result) => ({ 'customer.id': (result as { customerId: string }).customerId }),
  })
  read(@Param('id') id: string) {
    loggersInHandlers.push(this.orders.logger.logger);
    this.orders.logger.info('reading the order');
    return { id, customerId: 'c-42' };
  }

  /** Answers once `releaseSlow` is called: a request its client gives up on. */
  @Get('slow')
  async slow() {
    slowRequests += 1;
    await new Promise<void>((resolve) => (releaseSlow = resolve));
    return { ok: true };
  }

  @Get('boom')
  boom() {
    throw new Error('the order store fell over');
  }
}

@Module({
  imports: [
    ObservabilityModule.forRoot({ serviceName: 'orders-api', metrics: { port: null, enabled: false } }),
  ],
  controllers: [TestController],
  providers: [Orders],
})
class TestModule {}

/** The test module with the application logger writing to memory, on `adapter`. */
async function start(adapter: FastifyAdapter | ExpressAdapter, logger: pino.Logger) {
  const moduleRef = await Test.createTestingModule({ imports: [TestModule] })
    .overrideProvider(APP_LOGGER)
    .useValue(logger)
    .compile();
  return moduleRef.createNestApplication(adapter, { logger: false });
}

describe('access log levels', () => {
  it('leaves out probes and scrapes that succeed', () => {
    expect(['/health/live', '/health/ready', '/metrics'].map((path) => accessLogLevel(path, 200))).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
  });

  it('writes a probe that fails at warn (readiness is 503 by design while draining), every other request by its status', () => {
    expect(accessLogLevel('/health/ready', 503)).toBe('warn');
    expect(accessLogLevel('/orders/1', 200)).toBe('info');
    expect(accessLogLevel('/orders/1', 304)).toBe('info');
    expect(accessLogLevel('/orders/1', 404)).toBe('warn');
    expect(accessLogLevel('/orders', 500)).toBe('error');
    expect(accessLogLevel('/healthy-looking/route', 200)).toBe('info');
  });
});

describe('access log on Fastify (one line per request, written once, in-process app)', () => {
  const contextManager = new AsyncLocalStorageContextManager();
  const { lines, raw, stream } = sink();
  let app: INestApplication;
  let baseUrl: string;
  const options = resolveObservabilityOptions({ serviceName: 'orders-api', logging: { level: 'info' } });
  const appLogger = pino(appLoggerOptions(options), stream);

  beforeAll(async () => {
    context.setGlobalContextManager(contextManager.enable());
    app = await start(
      new FastifyAdapter({
        requestIdHeader: false,
        genReqId: (r: IncomingMessage) => requestIdFrom(r.headers),
      }),
      appLogger,
    );
    // The server span's hook: the request's scope gets its ids and the request is served in its context.
    app
      .getHttpAdapter()
      .getInstance()
      .addHook(
        'onRequest',
        (request: object & { headers: Record<string, string> }, _reply: unknown, done: () => void) => {
          if (request.headers['x-test-trace'] === 'none') return done();
          const scope = requestScopeOf(request);
          scope.traceId = request.headers['x-test-trace'] ?? randomBytes(16).toString('hex');
          scope.spanId = randomBytes(8).toString('hex');
          const span = trace.wrapSpanContext({
            traceId: scope.traceId,
            spanId: scope.spanId,
            traceFlags: TraceFlags.SAMPLED,
          });
          context.with(trace.setSpan(contextWithRequestScope(ROOT_CONTEXT, scope), span), done);
        },
      );
    await app.listen(0, '127.0.0.1');
    baseUrl = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  });
  afterAll(async () => {
    await app?.close();
    context.disable();
    contextManager.disable();
  });

  /** Calls `path` and returns the access line of that request (its `http.request.id`). */
  async function call(path: string, headers: Record<string, string> = {}) {
    const response = await fetch(`${baseUrl}${path}`, { headers: { 'user-agent': USER_AGENT, ...headers } });
    await response.arrayBuffer();
    const id = response.headers.get('x-request-id') ?? headers['x-request-id'];
    return { status: response.status, id, lines: () => lines.filter((l) => l['http.request.id'] === id) };
  }
  const accessLine = async (path: string, headers: Record<string, string> = {}) => {
    const { id } = await call(path, { 'x-request-id': randomUUID(), ...headers });
    return waitFor(
      async () => lines.find((l) => l['http.request.id'] === id && l.message === 'request completed'),
      (line) => line !== undefined,
      5_000,
      5,
    );
  };

  it('writes one line per request with ECS names, its route, status, duration, client, trace and domain ids', async () => {
    const requestId = randomUUID();
    const orderId = randomUUID();
    const line = await accessLine(`/orders/${orderId}`, { 'x-request-id': requestId });
    const ofRequest = lines.filter((l) => l['http.request.id'] === requestId);
    expect(ofRequest.filter((l) => l.message === 'request completed')).toHaveLength(1);
    expect(line).toEqual({
      '@timestamp': expect.any(String),
      'log.level': 'info',
      message: 'request completed',
      'ecs.version': expect.any(String),
      'service.name': 'orders-api',
      'service.version': '0.0.0',
      'service.environment': 'development',
      'event.dataset': 'orders-api',
      'process.pid': process.pid,
      'host.hostname': expect.any(String),
      'http.request.method': 'GET',
      'url.path': `/orders/${orderId}`,
      'http.route': '/orders/:id',
      'http.response.status_code': 200,
      'http.request.id': requestId,
      'event.duration': expect.any(Number),
      'client.address': '127.0.0.1',
      'user_agent.original': USER_AGENT,
      'trace.id': expect.stringMatching(/^[0-9a-f]{32}$/),
      'span.id': expect.stringMatching(/^[0-9a-f]{16}$/),
      'order.id': orderId,
      'customer.id': 'c-42',
    });
    expect(Number.isInteger(line!['event.duration'])).toBe(true);
    expect(line!['event.duration']).toBeGreaterThan(0);
    expect(line!['event.duration']).toBeLessThan(5e9);
    // The handler's own line, written through nestjs-pino, carries the same request and trace.
    expect(ofRequest.find((l) => l.message === 'reading the order')).toMatchObject({
      'http.request.id': requestId,
      'trace.id': line!['trace.id'],
      'order.id': orderId,
      'log.level': 'info',
    });
  });

  it('writes about 700 bytes for a typical GET /orders/:id (a UUID order and request id, traced)', async () => {
    const requestId = randomUUID();
    // What Node's fetch sends: a service calling the API, as the checkout front end does.
    await accessLine(`/orders/${randomUUID()}`, { 'x-request-id': requestId, 'user-agent': 'node' });
    const text = raw.find((r) => r.includes(requestId) && r.includes('"request completed"'))!;
    // Measured as on a Kubernetes pod: its name is the host name every line carries.
    const line = JSON.parse(text) as Line;
    const asDeployed = text.replace(
      `"host.hostname":${JSON.stringify(line['host.hostname'])}`,
      `"host.hostname":"orders-api-7d9f8c6b5-x2x4z"`,
    );
    expect(Buffer.byteLength(asDeployed)).toBeLessThan(760);
  });

  it('writes no header at all, nor the query string, whose parameters may be credentials', async () => {
    const requestId = randomUUID();
    const line = await accessLine('/orders/o-1?access_token=query-t0ken&limit=5', {
      'x-request-id': requestId,
      authorization: 'Bearer header-t0ken',
      cookie: 'sid=c00kie',
    });
    expect(line).toMatchObject({ 'url.path': '/orders/o-1', 'http.route': '/orders/:id' });
    const text = raw.find((r) => r.includes(requestId) && r.includes('"request completed"'))!;
    expect(text).not.toMatch(/t0ken|c00kie|limit|authorization|cookie|headers|"req"|"res"/);
    expect(Object.keys(line!).filter((key) => /header|query|^req|^res/.test(key))).toEqual([]);
  });

  it('writes a request whose client went away unanswered as aborted, at warn, without status or duration', async () => {
    const requestId = randomUUID();
    const { port } = new URL(baseUrl);
    const socket = connect(Number(port), '127.0.0.1');
    socket.on('error', () => {});
    socket.write(`GET /slow?token=secret HTTP/1.1\r\nHost: test\r\nX-Request-Id: ${requestId}\r\n\r\n`);
    await waitFor(
      async () => slowRequests,
      (started) => started === 1,
      5_000,
      5,
    ); // the handler is serving it
    socket.destroy();
    const aborted = await waitFor(
      async () => lines.filter((l) => l['http.request.id'] === requestId),
      (found) => found.length > 0,
      5_000,
      5,
    );
    releaseSlow();
    expect(aborted).toEqual([
      expect.objectContaining({
        message: 'request aborted',
        'log.level': 'warn',
        'http.request.method': 'GET',
        'url.path': '/slow',
        'http.route': '/slow',
      }),
    ]);
    expect(aborted[0]['http.response.status_code']).toBeUndefined();
    expect(aborted[0]['event.duration']).toBeUndefined();
    // The handler's late answer goes nowhere and writes no second line: a later request's line is written
    // after it was given.
    await accessLine('/orders/after-abort');
    expect(lines.filter((l) => l['http.request.id'] === requestId)).toHaveLength(1);
  });

  it('writes a 404 at warn, without a route, and a 500 at error', async () => {
    expect(await accessLine('/no-such-route')).toMatchObject({
      'log.level': 'warn',
      'http.response.status_code': 404,
      'url.path': '/no-such-route',
    });
    expect((await accessLine('/no-such-route'))!['http.route']).toBeUndefined();
    expect(await accessLine('/boom')).toMatchObject({
      'log.level': 'error',
      'http.response.status_code': 500,
      'http.route': '/boom',
    });
  });

  it('leaves out a probe that succeeds, and writes a failing one at warn', async () => {
    app.get(ShutdownState).begin(); // readiness answers 503 from now on
    const live = await call('/health/live', { 'x-request-id': 'probe-live' });
    expect(live.status).toBe(200);
    expect(await accessLine('/health/ready', { 'x-request-id': 'probe-ready' })).toMatchObject({
      'log.level': 'warn',
      'http.response.status_code': 503,
    });
    expect(lines.filter((l) => l['http.request.id'] === 'probe-live')).toEqual([]);
  });

  it('writes the line of a request served outside any trace, with no trace ids', async () => {
    const line = await accessLine('/orders/o-2', { 'x-test-trace': 'none' });
    expect(line).toMatchObject({ 'http.response.status_code': 200, 'order.id': 'o-2' });
    expect(line!['trace.id']).toBeUndefined();
    expect(line!['span.id']).toBeUndefined();
  });

  it('mounts no request middleware: a handler logs through the application logger, no child of its own', async () => {
    loggersInHandlers.length = 0;
    await accessLine('/orders/o-3');
    expect(loggersInHandlers).toEqual([PinoLogger.root]);
    expect(Object.getPrototypeOf(PinoLogger.root)).toBe(appLogger);
  });

  it('never repeats a key within a line', () => {
    expect(raw.length).toBeGreaterThan(5);
    for (const text of raw) expect(keysOf(text)).toEqual([...new Set(keysOf(text))]);
  });
});

describe('access log and log sampling (LOG_SAMPLING_RATIO)', () => {
  it("follows the request's trace: info dropped with the trace, 4xx kept, whatever the context onResponse runs in", async () => {
    const stats = new LogSamplingStats();
    const { lines, stream } = sink();
    const options = resolveObservabilityOptions({ serviceName: 'orders-api', logging: { level: 'info' } });
    const logger = pino(appLoggerOptions(options, 0.5, stats), stream);
    const hooks: Array<(request: object, reply: object, done: () => void) => void> = [];
    const adapterHost = {
      httpAdapter: {
        getType: () => 'fastify',
        getInstance: () => ({
          addHook: (name: string, hook: never) => name === 'onResponse' && hooks.push(hook),
        }),
      },
    } as unknown as HttpAdapterHost;
    new AccessLog(adapterHost, logger).onModuleInit();
    expect(hooks).toHaveLength(1);
    const respond = (id: string, traceId: string, statusCode: number) => {
      const request = { id, method: 'GET', url: `/orders/${id}`, headers: {}, ip: '10.0.0.1' };
      Object.assign(requestScopeOf(request), { traceId, spanId: 'b7ad6b7169203331' });
      hooks[0](request, { statusCode, elapsedTime: 1.5 }, () => undefined);
    };
    respond('kept', ALWAYS_KEPT, 200);
    respond('dropped', ALWAYS_DROPPED, 200);
    respond('missing', ALWAYS_DROPPED, 404);
    expect(lines.map((l) => [l['http.request.id'], l['log.level'], l['event.duration']])).toEqual([
      ['kept', 'info', 1_500_000],
      ['missing', 'warn', 1_500_000],
    ]);
    expect(stats.dropped).toEqual({ trace: 0, debug: 0, info: 1 });
  });
});

describe('access log on Express (a middleware mounted before the routes)', () => {
  const { lines, stream } = sink();
  let app: INestApplication;
  let baseUrl: string;

  beforeAll(async () => {
    const options = resolveObservabilityOptions({ serviceName: 'orders-api', logging: { level: 'info' } });
    app = await start(new ExpressAdapter(), pino(appLoggerOptions(options), stream));
    await app.listen(0, '127.0.0.1');
    baseUrl = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  });
  afterAll(async () => {
    await app?.close();
  });

  it('writes the same line, with the route template, a request id it echoes, and the @LogContext ids', async () => {
    const response = await fetch(`${baseUrl}/orders/o-7?access_token=query-t0ken`, {
      headers: { 'user-agent': USER_AGENT, authorization: 'Bearer header-t0ken' },
    });
    expect(response.status).toBe(200);
    const id = response.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const line = await waitFor(
      async () => lines.find((l) => l['http.request.id'] === id && l.message === 'request completed'),
      (found) => found !== undefined,
      5_000,
      5,
    );
    expect(line).toMatchObject({
      'log.level': 'info',
      'http.request.method': 'GET',
      'url.path': '/orders/o-7',
      'http.route': '/orders/:id',
      'http.response.status_code': 200,
      'user_agent.original': USER_AGENT,
      'order.id': 'o-7',
      'customer.id': 'c-42',
      'service.name': 'orders-api',
    });
    expect(line!['event.duration']).toBeGreaterThan(0);
    expect(JSON.stringify(lines)).not.toMatch(/t0ken/);
  });

  it('keeps a sane X-Request-Id the caller sent, writes a 404 at warn without a route, and no successful probe', async () => {
    const missing = await fetch(`${baseUrl}/no-such-route`, { headers: { 'x-request-id': 'express-404' } });
    expect(missing.headers.get('x-request-id')).toBe('express-404');
    await fetch(`${baseUrl}/health/live`, { headers: { 'x-request-id': 'express-live' } });
    const line = await waitFor(
      async () => lines.find((l) => l['http.request.id'] === 'express-404'),
      (found) => found !== undefined,
      5_000,
      5,
    );
    expect(line).toMatchObject({ 'log.level': 'warn', 'http.response.status_code': 404 });
    expect(line!['http.route']).toBeUndefined();
    expect(lines.filter((l) => l['http.request.id'] === 'express-live')).toEqual([]);
  });
});

describe('access log with logs off', () => {
  it.each(['silent', 'fatal'] as const)('registers no hook at level %s', (level) => {
    const addHook = jest.fn();
    const adapterHost = {
      httpAdapter: { getType: () => 'fastify', getInstance: () => ({ addHook }) },
    } as unknown as HttpAdapterHost;
    const accessLog = new AccessLog(adapterHost, pino({ level }));
    accessLog.onModuleInit();
    expect(addHook).not.toHaveBeenCalled();
    const express = { httpAdapter: { getType: () => 'express' } } as unknown as HttpAdapterHost;
    expect(new AccessLog(express, pino({ level })).needsExpressMiddleware()).toBe(false);
    expect(new AccessLog(express, pino({ level: 'info' })).needsExpressMiddleware()).toBe(true);
  });
});
