import { Reflector } from '@nestjs/core';
import type { CallHandler, ExecutionContext } from '@nestjs/common';
import type { PinoLogger } from 'nestjs-pino';
import { lastValueFrom, of } from 'rxjs';
import { resolveObservabilityOptions } from '../observability.options';
import { LOG_CONTEXT, type LogContextFields } from './log-context.decorator';
import { LogContextInterceptor } from './log-context.interceptor';

/** A handler declaring `@LogContext`, called once through the interceptor with the given log level. */
async function callWith(level: 'info' | 'silent', assign: (fields: Record<string, unknown>) => void) {
  const handler = () => undefined;
  const declared: LogContextFields = {
    fromRequest: (request) => ({ 'order.id': request.params.id }),
    fromResult: (result) => ({ 'customer.id': (result as { customerId: string }).customerId }),
  };
  Reflect.defineMetadata(LOG_CONTEXT, declared, handler);
  const execution = {
    getHandler: () => handler,
    getType: () => 'http',
    switchToHttp: () => ({ getRequest: () => ({ params: { id: 'o-1' }, query: {}, body: undefined }) }),
  } as unknown as ExecutionContext;
  const next: CallHandler = { handle: () => of({ customerId: 'c-1' }) };
  const interceptor = new LogContextInterceptor(
    new Reflector(),
    { assign } as unknown as PinoLogger,
    resolveObservabilityOptions({ serviceName: 'svc', logging: { level } }),
  );
  return lastValueFrom(interceptor.intercept(execution, next));
}

describe('LogContextInterceptor (the ids a handler declares, into its request log scope)', () => {
  it('assigns the request ids, then the result ids, to the request log', async () => {
    const assigned: Array<Record<string, unknown>> = [];
    await expect(callWith('info', (fields) => assigned.push(fields))).resolves.toEqual({ customerId: 'c-1' });
    expect(assigned).toEqual([{ 'order.id': 'o-1' }, { 'customer.id': 'c-1' }]);
  });

  it('with logs off, where no request has a log scope, does not try (an Error per request otherwise)', async () => {
    const assigned: Array<Record<string, unknown>> = [];
    await expect(callWith('silent', (fields) => assigned.push(fields))).resolves.toEqual({
      customerId: 'c-1',
    });
    expect(assigned).toEqual([]);
  });
});
