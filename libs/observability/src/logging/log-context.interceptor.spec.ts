import { Reflector } from '@nestjs/core';
import type { CallHandler, ExecutionContext } from '@nestjs/common';
import { context, ROOT_CONTEXT, trace, type Span } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { lastValueFrom, of } from 'rxjs';
import { requestScopeOf } from '../http/request-scope';
import { LOG_CONTEXT, type LogContextFields } from './log-context.decorator';
import { LogContextInterceptor } from './log-context.interceptor';

/** A span that records, as the handler's span does, keeping the attributes it is given. */
function recordingSpan() {
  const attributes: Array<Record<string, unknown>> = [];
  const span = {
    isRecording: () => true,
    setAttributes: (added: Record<string, unknown>) => {
      attributes.push(added);
      return span;
    },
    spanContext: () => ({
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      traceFlags: 1,
    }),
  } as unknown as Span;
  return { span, attributes };
}

/** A handler declaring `@LogContext`, called once through the interceptor inside `span`. */
async function callWith(
  request: { id: string; params: Record<string, string>; query: object; body: unknown },
  declared: LogContextFields,
  result: unknown,
  span?: Span,
) {
  const handler = () => undefined;
  Reflect.defineMetadata(LOG_CONTEXT, declared, handler);
  const execution = {
    getHandler: () => handler,
    getType: () => 'http',
    switchToHttp: () => ({ getRequest: () => request }),
  } as unknown as ExecutionContext;
  const next: CallHandler = { handle: () => of(result) };
  const interceptor = new LogContextInterceptor(new Reflector());
  const run = () => lastValueFrom(interceptor.intercept(execution, next));
  return span ? context.with(trace.setSpan(ROOT_CONTEXT, span), run) : run();
}

describe("LogContextInterceptor (the ids a handler declares, into its request's scope and span)", () => {
  const contextManager = new AsyncLocalStorageContextManager();
  beforeAll(() => context.setGlobalContextManager(contextManager.enable()));
  afterAll(() => {
    context.disable();
    contextManager.disable();
  });

  const orderAndCustomer: LogContextFields = {
    fromRequest: (request) => ({ 'order.id': request.params.id }),
    fromResult: (result) => ({ 'customer.id': (result as { customerId: string }).customerId }),
  };

  it("adds the request ids, then the result ids, to the request's scope and to the handler's span", async () => {
    const request = { id: 'r-1', params: { id: 'o-1' }, query: {}, body: undefined };
    const { span, attributes } = recordingSpan();
    await expect(callWith(request, orderAndCustomer, { customerId: 'c-1' }, span)).resolves.toEqual({
      customerId: 'c-1',
    });
    expect(requestScopeOf(request)).toMatchObject({
      id: 'r-1',
      fields: { 'order.id': 'o-1', 'customer.id': 'c-1' },
    });
    expect(attributes).toEqual([{ 'order.id': 'o-1' }, { 'customer.id': 'c-1' }]);
  });

  it('keeps strings and numbers only, and each key once (the first value stays)', async () => {
    const request = { id: 'r-2', params: { id: 'o-2' }, query: {}, body: undefined };
    const { span, attributes } = recordingSpan();
    await callWith(
      request,
      {
        fromRequest: (r) => ({ 'order.id': r.params.id, 'order.total': 4980, 'order.lines': [{ sku: 'x' }] }),
        fromResult: () => ({ 'order.id': 'o-other', 'customer.id': undefined, 'payment.id': 'p-2' }),
      },
      {},
      span,
    );
    expect(requestScopeOf(request).fields).toEqual({
      'order.id': 'o-2',
      'order.total': 4980,
      'payment.id': 'p-2',
    });
    expect(attributes).toEqual([{ 'order.id': 'o-2', 'order.total': 4980 }, { 'payment.id': 'p-2' }]);
  });

  it('fills the scope without a span (tracing off, not sampled)', async () => {
    const request = { id: 'r-3', params: { id: 'o-3' }, query: {}, body: undefined };
    await callWith(request, orderAndCustomer, { customerId: 'c-3' });
    expect(requestScopeOf(request).fields).toEqual({ 'order.id': 'o-3', 'customer.id': 'c-3' });
  });
});
