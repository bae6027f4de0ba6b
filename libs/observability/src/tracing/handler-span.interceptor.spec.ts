import { BadRequestException, Controller, Get, Module, type INestApplication } from '@nestjs/common';
import { APP_INTERCEPTOR, NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { context, SpanStatusCode, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { HandlerSpanInterceptor } from './handler-span.interceptor';

@Controller('widgets')
class WidgetsController {
  @Get('ok')
  async ok() {
    // Work the handler awaits runs inside its span.
    await new Promise((resolve) => setImmediate(resolve));
    return { parent: trace.getActiveSpan()?.spanContext().spanId };
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

describe('HandlerSpanInterceptor (a span per controller handler, in-memory exporter)', () => {
  const exporter = new InMemorySpanExporter();
  const contextManager = new AsyncLocalStorageContextManager().enable();
  let app: INestApplication;
  let baseUrl: string;

  beforeAll(async () => {
    context.setGlobalContextManager(contextManager);
    trace.setGlobalTracerProvider(
      new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] }),
    );
    app = await NestFactory.create(WidgetsModule, new FastifyAdapter(), { logger: false });
    await app.listen(0, '127.0.0.1');
    baseUrl = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  });
  afterAll(async () => {
    await app?.close();
    trace.disable();
    context.disable();
  });
  beforeEach(() => exporter.reset());

  it('names the span after the controller and handler, and runs the handler inside it', async () => {
    const body = (await (await fetch(`${baseUrl}/widgets/ok`)).json()) as { parent: string };
    const [span] = exporter.getFinishedSpans();
    expect(span.name).toBe('WidgetsController.ok');
    expect(span.instrumentationScope.name).toBe('@app/observability');
    expect(span.attributes).toEqual({
      'nestjs.type': 'handler',
      'nestjs.controller': 'WidgetsController',
      'nestjs.callback': 'ok',
    });
    expect(body.parent).toBe(span.spanContext().spanId);
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
  });

  it("leaves a client error (4xx) unmarked: it is the caller's, not the server's", async () => {
    expect((await fetch(`${baseUrl}/widgets/bad`)).status).toBe(400);
    const [span] = exporter.getFinishedSpans();
    expect(span.name).toBe('WidgetsController.bad');
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
    expect(span.events).toEqual([]);
  });

  it('records a server error with its exception and status ERROR', async () => {
    expect((await fetch(`${baseUrl}/widgets/broken`)).status).toBe(500);
    const [span] = exporter.getFinishedSpans();
    expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: 'the widget store fell over' });
    expect(span.events.map((event) => event.name)).toEqual(['exception']);
  });
});
