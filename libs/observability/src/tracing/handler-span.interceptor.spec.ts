import { BadRequestException, Controller, Get, Module, type INestApplication } from '@nestjs/common';
import { APP_INTERCEPTOR, NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Span,
} from '@opentelemetry/api';
import { AlwaysOnSampler, ParentBasedSampler } from '@opentelemetry/sdk-trace';
import type { CallHandler, ExecutionContext } from '@nestjs/common';
import { of } from 'rxjs';
import { useInMemoryTracing } from '../../../../test/support/in-memory-tracing';
import { HandlerSpanInterceptor } from './handler-span.interceptor';
import { TRACER_NAME } from './tracing.constants';

@Controller('widgets')
class WidgetsController {
  @Get('ok')
  async ok() {
    // Work the handler awaits runs inside its span.
    await new Promise((resolve) => setImmediate(resolve));
    return { active: trace.getActiveSpan()?.spanContext().spanId ?? null };
  }

  @Get('bad')
  bad() {
    throw new BadRequestException('no widget like that');
  }

  @Get('broken')
  broken() {
    throw new Error('the widget store fell over');
  }
}

@Module({
  controllers: [WidgetsController],
  providers: [{ provide: APP_INTERCEPTOR, useClass: HandlerSpanInterceptor }],
})
class WidgetsModule {}

/** `00-<trace id>-<span id>-00`: a caller that did not sample the trace (parent-based sampling follows it). */
const UNSAMPLED = { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00' };
/** A request the test's server span hook leaves alone, as with tracing off. */
const NO_SERVER_SPAN = { 'x-test-server-span': 'none' };

describe('HandlerSpanInterceptor (a span per controller handler, in-memory exporter)', () => {
  const exporter = useInMemoryTracing({
    sampler: new ParentBasedSampler({ root: new AlwaysOnSampler() }),
    propagation: true,
  });
  const serverSpans: Span[] = [];
  let app: INestApplication;
  let baseUrl: string;

  const get = async (path: string, headers: Record<string, string> = {}) => {
    const response = await fetch(`${baseUrl}/widgets/${path}`, { headers });
    return { status: response.status, body: (await response.json()) as { active?: string | null } };
  };
  const finished = (name: string) => exporter.getFinishedSpans().filter((span) => span.name === name);

  beforeAll(async () => {
    app = await NestFactory.create(WidgetsModule, new FastifyAdapter(), { logger: false });
    // The HTTP server span, active for the rest of the request, as the application's server hook makes it.
    const serverTracer = trace.getTracer('http-server');
    app
      .getHttpAdapter()
      .getInstance()
      .addHook(
        'onRequest',
        (
          request: { url: string; headers: Record<string, string> },
          reply: { raw: { once(event: 'finish', listener: () => void): void } },
          done: () => void,
        ) => {
          if (request.headers['x-test-server-span'] === 'none') return done();
          const parent = propagation.extract(ROOT_CONTEXT, request.headers);
          const span = serverTracer.startSpan(`GET ${request.url}`, { kind: SpanKind.SERVER }, parent);
          serverSpans.push(span);
          reply.raw.once('finish', () => span.end());
          context.with(trace.setSpan(parent, span), done);
        },
      );
    await app.listen(0, '127.0.0.1');
    baseUrl = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  });
  afterAll(async () => {
    await app?.close();
  });
  beforeEach(() => {
    serverSpans.length = 0;
  });

  describe('in a sampled request', () => {
    it('names the span after the controller and handler, and runs the handler inside it', async () => {
      const { body } = await get('ok');
      const [span] = finished('WidgetsController.ok');
      expect(span.instrumentationScope.name).toBe('@app/observability');
      expect(span.attributes).toEqual({
        'nestjs.type': 'handler',
        'nestjs.controller': 'WidgetsController',
        'nestjs.callback': 'ok',
      });
      expect(body.active).toBe(span.spanContext().spanId);
      expect(span.parentSpanContext?.spanId).toBe(serverSpans[0].spanContext().spanId);
      expect(span.status.code).toBe(SpanStatusCode.UNSET);
    });

    it("leaves a client error (4xx) unmarked: it is the caller's, not the server's", async () => {
      expect((await get('bad')).status).toBe(400);
      const [span] = finished('WidgetsController.bad');
      expect(span.status.code).toBe(SpanStatusCode.UNSET);
      expect(span.events).toEqual([]);
    });

    it('records a server error with its exception and status ERROR', async () => {
      expect((await get('broken')).status).toBe(500);
      const [span] = finished('WidgetsController.broken');
      expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: 'the widget store fell over' });
      expect(span.events.map((event) => event.name)).toEqual(['exception']);
    });
  });

  describe('in a request that is not sampled, or has no server span', () => {
    const handlerTracer = () => trace.getTracer(TRACER_NAME);

    it('starts no span: the handler runs in the unsampled server span, whose decision it keeps', async () => {
      const startSpan = jest.spyOn(handlerTracer(), 'startSpan');
      try {
        const { body } = await get('ok', UNSAMPLED);
        expect(startSpan).not.toHaveBeenCalled();
        expect(serverSpans).toHaveLength(1);
        expect(serverSpans[0].isRecording()).toBe(false);
        expect(body.active).toBe(serverSpans[0].spanContext().spanId);
        expect(exporter.getFinishedSpans()).toEqual([]);
      } finally {
        startSpan.mockRestore();
      }
    });

    it('answers errors as usual without a span', async () => {
      const startSpan = jest.spyOn(handlerTracer(), 'startSpan');
      try {
        expect((await get('bad', UNSAMPLED)).status).toBe(400);
        expect((await get('broken', UNSAMPLED)).status).toBe(500);
        expect(startSpan).not.toHaveBeenCalled();
      } finally {
        startSpan.mockRestore();
      }
    });

    it('starts no span without a server span (tracing off)', async () => {
      const startSpan = jest.spyOn(handlerTracer(), 'startSpan');
      try {
        const { body } = await get('ok', NO_SERVER_SPAN);
        expect(startSpan).not.toHaveBeenCalled();
        expect(body.active).toBeNull();
        expect(exporter.getFinishedSpans()).toEqual([]);
      } finally {
        startSpan.mockRestore();
      }
    });

    it("returns the handler's own Observable and reads nothing from the execution context", () => {
      const interceptor = new HandlerSpanInterceptor();
      const handled = of({ ok: true });
      const next: CallHandler = { handle: () => handled };
      const getClass = jest.fn();
      const getHandler = jest.fn();
      const execution = { getType: () => 'http', getClass, getHandler } as unknown as ExecutionContext;
      const unsampled = trace.wrapSpanContext({
        traceId: '0af7651916cd43dd8448eb211c80319c',
        spanId: 'b7ad6b7169203331',
        traceFlags: 0,
      });

      expect(
        context.with(trace.setSpan(ROOT_CONTEXT, unsampled), () => interceptor.intercept(execution, next)),
      ).toBe(handled);
      expect(interceptor.intercept(execution, next)).toBe(handled); // no active span at all
      expect(getClass).not.toHaveBeenCalled();
      expect(getHandler).not.toHaveBeenCalled();
    });
  });
});
