import http, { type IncomingMessage } from 'node:http';
import path from 'node:path';
import {
  Body,
  Controller,
  Get,
  HttpCode,
  Module,
  NotFoundException,
  Param,
  Post,
  RequestMethod,
  type INestApplication,
  type MiddlewareConsumer,
  type NestModule,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import {
  SpanKind,
  SpanStatusCode,
  trace,
  type Context,
  type Span,
  type SpanOptions,
  type Tracer,
  type TracerProvider as ApiTracerProvider,
} from '@opentelemetry/api';
import { AlwaysOnSampler, ParentBasedSampler, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { useInMemoryTracing } from '../../../../test/support/in-memory-tracing';
import { activeRequestScope } from '../http/request-scope';
import { CATCH_ALL_ROUTE } from '../metrics/http-route';
import { HttpServerSpans, requestAttributes } from './http-server-spans';
import type { Tracing } from './start-tracing';

// What `startTracing` would have reported; the SDK itself is replaced by the in-memory provider below.
let mockTracing: Pick<Tracing, 'enabled' | 'ignoredPaths'> | undefined;
jest.mock('./start-tracing', () => ({ activeTracing: () => mockTracing }));

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT_SPAN_ID = '00f067aa0ba902b7';

/** Every span the application starts, with spies on what is done to it (sampled or not). */
const started: Array<{
  name: string;
  span: Span;
  setAttribute: jest.SpyInstance;
  setAttributes: jest.SpyInstance;
  setStatus: jest.SpyInstance;
  end: jest.SpyInstance;
}> = [];

/** The SDK's provider, through which every span the application starts passes and is spied on. */
class SpyingTracerProvider implements ApiTracerProvider {
  constructor(private readonly inner: ApiTracerProvider) {}

  getTracer(name: string, version?: string): Tracer {
    const tracer = this.inner.getTracer(name, version);
    const spied = (spanName: string, span: Span) => {
      started.push({
        name: spanName,
        span,
        setAttribute: jest.spyOn(span, 'setAttribute'),
        setAttributes: jest.spyOn(span, 'setAttributes'),
        setStatus: jest.spyOn(span, 'setStatus'),
        end: jest.spyOn(span, 'end'),
      });
      return span;
    };
    const spying: Tracer = Object.create(tracer);
    spying.startSpan = (spanName: string, options?: SpanOptions, parent?: Context) =>
      spied(spanName, tracer.startSpan(spanName, options, parent));
    return spying;
  }
}

let release: () => void = () => {};
let entered: () => void = () => {};

/** What a handler saw of the context it ran in. */
function seen() {
  const scope = activeRequestScope();
  const child = trace.getTracer('widgets').startSpan('child');
  child.end();
  return {
    scope: scope && { id: scope.id, traceId: scope.traceId, spanId: scope.spanId },
    child: child.spanContext().spanId,
  };
}

@Controller('items')
class ItemsController {
  @Get('slow')
  async slow() {
    entered();
    await new Promise<void>((resolve) => (release = resolve));
    return { late: true };
  }

  @Get('broken')
  broken() {
    throw new Error('the item store fell over');
  }

  @Get(':id')
  async get(@Param('id') id: string) {
    if (id === 'missing') throw new NotFoundException();
    // Work the handler awaits still runs in the request's context.
    await new Promise((resolve) => setImmediate(resolve));
    return { id, ...seen() };
  }

  @Post()
  @HttpCode(202)
  async create(@Body() body: { name: string }) {
    await new Promise((resolve) => setTimeout(resolve, 1));
    return { name: body.name, ...seen() };
  }
}

@Controller('health')
class ProbeController {
  @Get('live')
  live() {
    return { status: 'ok', scope: activeRequestScope() ?? null };
  }
}

@Module({ controllers: [ItemsController, ProbeController], providers: [HttpServerSpans] })
class FastifyItemsModule {}

@Module({ controllers: [ItemsController, ProbeController], providers: [HttpServerSpans] })
class ExpressItemsModule implements NestModule {
  constructor(private readonly spans: HttpServerSpans) {}

  configure(consumer: MiddlewareConsumer): void {
    if (!this.spans.needsExpressMiddleware()) return;
    consumer
      .apply((request: never, response: never, next: () => void) =>
        this.spans.expressMiddleware(request, response, next),
      )
      .forRoutes({ path: CATCH_ALL_ROUTE, method: RequestMethod.ALL });
  }
}

const exporter = useInMemoryTracing({
  // The SDK's default: a root request is sampled, a request continues its caller's decision.
  sampler: new ParentBasedSampler({ root: new AlwaysOnSampler() }),
  propagation: true,
  wrap: (provider) => new SpyingTracerProvider(provider),
});
beforeEach(() => {
  started.length = 0;
  mockTracing = { enabled: true, ignoredPaths: new Set(['/health/live', '/health/ready', '/metrics']) };
});

async function startApp(adapter: 'fastify' | 'express'): Promise<{ app: INestApplication; baseUrl: string }> {
  const app =
    adapter === 'fastify'
      ? await NestFactory.create(FastifyItemsModule, new FastifyAdapter(), { logger: false })
      : await NestFactory.create(ExpressItemsModule, new ExpressAdapter(), { logger: false });
  await app.listen(0, '127.0.0.1');
  return { app, baseUrl: (await app.getUrl()).replace('[::1]', '127.0.0.1') };
}

const serverSpans = () => exporter.getFinishedSpans().filter((s) => s.kind === SpanKind.SERVER);
const onlyServerSpan = (): ReadableSpan => {
  const spans = serverSpans();
  expect(spans).toHaveLength(1);
  return spans[0];
};
/** The response is written before the span ends (`onResponse`, or the response's `close`). */
const ended = async (count = 1) => {
  for (let i = 0; i < 100 && serverSpans().length < count; i++)
    await new Promise((resolve) => setTimeout(resolve, 10));
};

describe.each(['fastify', 'express'] as const)('HttpServerSpans on %s', (adapter) => {
  let app: INestApplication;
  let baseUrl: string;
  let port: number;

  beforeAll(async () => {
    mockTracing = { enabled: true, ignoredPaths: new Set(['/health/live', '/health/ready', '/metrics']) };
    ({ app, baseUrl } = await startApp(adapter));
    port = Number(new URL(baseUrl).port);
  });
  afterAll(async () => {
    await app?.close();
  });

  it('names the server span after the route and gives it the stable HTTP attributes, no header', async () => {
    const response = await fetch(`${baseUrl}/items/42?color=blue&access_token=secret&sig=abc`, {
      headers: { 'user-agent': 'widgets-test/1.0', authorization: 'Bearer secret', cookie: 'a=b' },
    });
    expect(response.status).toBe(200);
    await ended();
    const span = onlyServerSpan();
    expect(span.name).toBe('GET /items/:id');
    expect(span.kind).toBe(SpanKind.SERVER);
    expect(span.instrumentationScope.name).toBe('@app/observability');
    expect(span.attributes).toEqual({
      'http.request.method': 'GET',
      'http.route': '/items/:id',
      'http.response.status_code': 200,
      'url.scheme': 'http',
      'url.path': '/items/42',
      'url.query': 'color=blue&access_token=REDACTED&sig=REDACTED',
      'server.address': '127.0.0.1',
      'server.port': port,
      'client.address': '127.0.0.1',
      'network.peer.address': '127.0.0.1',
      'network.peer.port': expect.any(Number),
      'network.protocol.version': '1.1',
      'user_agent.original': 'widgets-test/1.0',
    });
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
    expect(span.parentSpanContext).toBeUndefined();
    expect(JSON.stringify(span.attributes)).not.toMatch(/secret|abc|a=b/);
  });

  it('serves the request in its span: children, awaited work and the request scope', async () => {
    const body = (await (await fetch(`${baseUrl}/items/7`)).json()) as ReturnType<typeof seen>;
    await ended();
    const server = onlyServerSpan();
    const child = exporter.getFinishedSpans().find((s) => s.name === 'child')!;
    expect(child.parentSpanContext?.spanId).toBe(server.spanContext().spanId);
    expect(child.spanContext().traceId).toBe(server.spanContext().traceId);
    expect(body.child).toBe(child.spanContext().spanId);
    expect(body.scope).toEqual({
      id: expect.any(String),
      traceId: server.spanContext().traceId,
      spanId: server.spanContext().spanId,
    });
  });

  it('serves a request whose body is read after its hooks in its span too', async () => {
    const response = await fetch(`${baseUrl}/items`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'sprocket' }),
    });
    expect(response.status).toBe(202);
    const body = (await response.json()) as ReturnType<typeof seen>;
    await ended();
    const server = onlyServerSpan();
    expect(server.name).toBe('POST /items');
    expect(server.attributes).toMatchObject({
      'http.request.method': 'POST',
      'http.route': '/items',
      'http.response.status_code': 202,
    });
    const child = exporter.getFinishedSpans().find((s) => s.name === 'child')!;
    expect(child.parentSpanContext?.spanId).toBe(server.spanContext().spanId);
    expect(body.scope?.spanId).toBe(server.spanContext().spanId);
  });

  it('serves a request whose body arrives after its headers in its span too', async () => {
    const body = await new Promise<ReturnType<typeof seen>>((resolve, reject) => {
      const request = http.request(`${baseUrl}/items`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
      });
      request.on('error', reject);
      request.on('response', (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk.toString()));
        response.on('end', () => resolve(JSON.parse(text) as ReturnType<typeof seen>));
      });
      request.flushHeaders();
      // The body comes in later packets, read from the socket's events.
      setTimeout(() => request.write('{"name":'), 30);
      setTimeout(() => request.end('"late"}'), 60);
    });
    await ended();
    const server = onlyServerSpan();
    const child = exporter.getFinishedSpans().find((s) => s.name === 'child')!;
    expect(child.parentSpanContext?.spanId).toBe(server.spanContext().spanId);
    expect(body.scope?.spanId).toBe(server.spanContext().spanId);
  });

  it('continues an incoming W3C trace context', async () => {
    await fetch(`${baseUrl}/items/1`, { headers: { traceparent: `00-${TRACE_ID}-${PARENT_SPAN_ID}-01` } });
    await ended();
    const span = onlyServerSpan();
    expect(span.spanContext().traceId).toBe(TRACE_ID);
    expect(span.parentSpanContext).toMatchObject({ spanId: PARENT_SPAN_ID, isRemote: true });
  });

  it('marks a 5xx ERROR with its status code as error.type, and leaves a 4xx unset', async () => {
    expect((await fetch(`${baseUrl}/items/broken`)).status).toBe(500);
    expect((await fetch(`${baseUrl}/items/missing`)).status).toBe(404);
    await ended(2);
    const [broken, missing] = serverSpans();
    expect(broken.name).toBe('GET /items/broken');
    expect(broken.attributes).toMatchObject({ 'http.response.status_code': 500, 'error.type': '500' });
    expect(broken.status.code).toBe(SpanStatusCode.ERROR);
    expect(missing.attributes['http.response.status_code']).toBe(404);
    expect(missing.attributes['error.type']).toBeUndefined();
    expect(missing.status.code).toBe(SpanStatusCode.UNSET);
  });

  it('names a request no route matched after its method alone, without http.route', async () => {
    expect((await fetch(`${baseUrl}/nowhere/1`)).status).toBe(404);
    await ended();
    const span = onlyServerSpan();
    expect(span.name).toBe('GET');
    expect(span.attributes['http.route']).toBeUndefined();
    expect(span.attributes).toMatchObject({ 'url.path': '/nowhere/1', 'http.response.status_code': 404 });
  });

  it('starts no span for probes (ignored paths, whatever the query string)', async () => {
    const body = (await (await fetch(`${baseUrl}/health/live?verbose=1`)).json()) as { scope: unknown };
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(started).toEqual([]);
    expect(exporter.getFinishedSpans()).toEqual([]);
    expect(body.scope).toBeNull();
  });

  it('does nothing to a span its caller did not sample, and still serves the request in its context', async () => {
    const response = await fetch(`${baseUrl}/items/9?access_token=secret`, {
      headers: { traceparent: `00-${TRACE_ID}-${PARENT_SPAN_ID}-00`, 'user-agent': 'widgets-test/1.0' },
    });
    const body = (await response.json()) as ReturnType<typeof seen>;
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(exporter.getFinishedSpans()).toEqual([]);
    const server = started.find((s) => s.name !== 'child')!;
    expect(server.name).toBe(adapter === 'fastify' ? 'GET /items/:id' : 'GET');
    expect(server.span.isRecording()).toBe(false);
    expect(server.setAttribute).not.toHaveBeenCalled();
    expect(server.setAttributes).not.toHaveBeenCalled();
    expect(server.setStatus).not.toHaveBeenCalled();
    // The trace is the caller's, unsampled: log lines still carry its ids.
    expect(body.scope).toEqual({
      id: expect.any(String),
      traceId: TRACE_ID,
      spanId: server.span.spanContext().spanId,
    });
    const child = started.find((s) => s.name === 'child')!;
    expect(child.span.spanContext().traceId).toBe(TRACE_ID);
    expect(body.child).toBe(child.span.spanContext().spanId);
  });

  it('ends the span of a request the client gave up on, once, as aborted', async () => {
    const handling = new Promise<void>((resolve) => (entered = resolve));
    const request = http.get(`${baseUrl}/items/slow`);
    request.on('error', () => undefined);
    await handling;
    request.destroy();
    await ended();
    const span = onlyServerSpan();
    expect(span.name).toBe('GET /items/slow');
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.attributes['error.type']).toBe('aborted');
    expect(span.attributes['http.response.status_code']).toBeUndefined();
    // The handler answers after all: the span is not ended again.
    release();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(serverSpans()).toHaveLength(1);
    const server = started.find((s) => s.name === 'GET /items/slow' || s.name === 'GET')!;
    expect(server.end).toHaveBeenCalledTimes(1);
  });
});

@Module({ controllers: [ItemsController, ProbeController] })
class UntracedItemsModule {}

describe('HttpServerSpans with tracing off (OTEL_SDK_DISABLED=true)', () => {
  /** The Fastify hooks an application adds while it starts, by kind. */
  const hooksAdded = async (module: object) => {
    const adapter = new FastifyAdapter();
    const addHook = jest.spyOn(adapter.getInstance(), 'addHook');
    const app = await NestFactory.create(module, adapter, { logger: false });
    await app.init();
    await app.close();
    return addHook.mock.calls.map(([name]) => name);
  };

  it('adds no Fastify hook', async () => {
    const untraced = await hooksAdded(UntracedItemsModule);
    mockTracing = { enabled: false, ignoredPaths: new Set() };
    expect(await hooksAdded(FastifyItemsModule)).toEqual(untraced);
    // With tracing on: one hook where the request starts, one where it ends.
    mockTracing = { enabled: true, ignoredPaths: new Set() };
    expect((await hooksAdded(FastifyItemsModule)).sort()).toEqual(
      [...untraced, 'onRequest', 'onResponse'].sort(),
    );
  });

  it.each(['fastify', 'express'] as const)('starts no span and no scope on %s', async (adapter) => {
    mockTracing = { enabled: false, ignoredPaths: new Set() };
    const { app, baseUrl } = await startApp(adapter);
    try {
      const body = (await (await fetch(`${baseUrl}/items/3`)).json()) as ReturnType<typeof seen>;
      expect(body.scope).toBeUndefined();
      expect(serverSpans()).toEqual([]);
      expect(started.map((s) => s.name)).toEqual(['child']);
    } finally {
      await app.close();
    }
  });

  it('starts no span either when no tracing was started at all', async () => {
    mockTracing = undefined;
    const { app, baseUrl } = await startApp('fastify');
    try {
      expect((await fetch(`${baseUrl}/items/3`)).status).toBe(200);
      expect(started.map((s) => s.name)).toEqual(['child']);
    } finally {
      await app.close();
    }
  });
});

/** The instrumentation's own attribute function (not exported by the package: read from its file). */
const instrumentation = jest.requireActual<{
  getIncomingRequestAttributes(
    request: IncomingMessage,
    options: { component: string; redactedQueryParams: string[] },
    logger: { verbose(): void },
  ): Record<string, unknown>;
}>(path.join(path.dirname(require.resolve('@opentelemetry/instrumentation-http')), 'utils.cjs'));

describe('requestAttributes (what @opentelemetry/instrumentation-http set on a server span)', () => {
  const incoming = (
    method: string,
    url: string,
    headers: Record<string, string | string[]>,
    socket: Record<string, unknown> = { remoteAddress: '10.0.0.7', remotePort: 51234 },
  ) => ({ method, url, headers, socket, httpVersion: '1.1' }) as unknown as IncomingMessage;
  const ours = (request: IncomingMessage) => {
    const at = request.url!.indexOf('?');
    const [path, query] =
      at === -1 ? [request.url!, ''] : [request.url!.slice(0, at), request.url!.slice(at + 1)];
    return requestAttributes(request, request.method!, path, query);
  };
  const theirs = (request: IncomingMessage, component = 'http') => {
    const all = instrumentation.getIncomingRequestAttributes(
      request,
      { component, redactedQueryParams: ['access_token', 'sig', 'X-Amz-Signature'] },
      { verbose: () => undefined },
    );
    return Object.fromEntries(Object.entries(all).filter(([, value]) => value !== undefined));
  };

  it.each([
    ['a plain request', incoming('GET', '/items/1', { host: 'api.example.com', 'user-agent': 'curl/8' })],
    [
      'a query with credentials',
      incoming('GET', '/items?access_token=t0k&q=a+b&X-Amz-Signature=s1g&sig=', {
        host: 'api.example.com:8080',
      }),
    ],
    [
      'a request through proxies (X-Forwarded-*)',
      incoming('POST', '/orders', {
        host: 'internal:3000',
        'x-forwarded-host': 'shop.example.com',
        'x-forwarded-proto': 'https',
        'x-forwarded-for': '203.0.113.9, 10.0.0.1',
      }),
    ],
    [
      'a request through a proxy (Forwarded)',
      incoming('GET', '/items', {
        host: 'internal:3000',
        forwarded: 'for="[2001:db8::17]:4711";proto=https;host=shop.example.com, for=10.0.0.1',
      }),
    ],
    ['an IPv6 host', incoming('GET', '/', { host: '[::1]:3000' })],
    ['an IPv6 host without port', incoming('GET', '/', { host: '[::1]' })],
    ['a method outside the standard set', incoming('PROPFIND', '/dav', { host: 'dav.example.com' })],
    ['a lower-case method', incoming('get', '/items', { host: 'api.example.com' })],
    ['no host at all', incoming('GET', '/items', {}, {})],
  ])('gives %s the same attributes', (_case, request) => {
    expect(ours(request)).toEqual(theirs(request));
  });

  it('knows an encrypted connection for https', () => {
    const request = incoming(
      'GET',
      '/items',
      { host: 'api.example.com' },
      { encrypted: true, remoteAddress: '10.0.0.7' },
    );
    expect(ours(request)).toEqual(theirs(request, 'https'));
    expect(ours(request)).toMatchObject({ 'url.scheme': 'https', 'server.port': 443 });
  });
});
