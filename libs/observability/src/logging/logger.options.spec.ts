import { context, ROOT_CONTEXT, TraceFlags, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import pino from 'pino';
import { contextWithRequestScope, type RequestScope } from '../http/request-scope';
import { resolveObservabilityOptions } from '../observability.options';
import { AuditLog } from './audit-log';
import type { LogShipping } from './log-shipping';
import { appLoggerOptions, ecsLoggerOptions } from './logger.options';
import { requestLogFields } from './request-log-fields';
import { logLines, type LogLine } from './log-lines.fixture';

type Line = LogLine;

const sink = logLines;

const options = resolveObservabilityOptions({ serviceName: 'svc' });

/** The top-level keys of a written line, repeated ones included (JSON.parse would keep the last). */
function keysOf(raw: string): string[] {
  const line = JSON.parse(raw) as Line;
  return [...raw.matchAll(/[{,]"([^"]+)":/g)].map((m) => m[1]).filter((key) => key in line);
}

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN_ID = '00f067aa0ba902b7';

/** Runs `work` in the context a request is served in: its server span active, its scope in the context. */
function inRequest<T>(scope: RequestScope, work: () => T): T {
  const span = trace.wrapSpanContext({ traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: TraceFlags.SAMPLED });
  return context.with(trace.setSpan(contextWithRequestScope(ROOT_CONTEXT, scope), span), work);
}

describe("the application logger's fields from the context (mixin, no child logger per request)", () => {
  const contextManager = new AsyncLocalStorageContextManager();
  beforeAll(() => context.setGlobalContextManager(contextManager.enable()));
  afterAll(() => {
    context.disable();
    contextManager.disable();
  });

  it("puts the request id, the trace and span ids and the request's domain ids on a line written while serving it", () => {
    const { lines, raw, stream } = sink();
    const logger = pino(appLoggerOptions(options), stream);
    const scope: RequestScope = { id: 'req-1', fields: { 'order.id': 'o-1', 'order.total': 4980 } };
    inRequest(scope, () => logger.info({ 'payment.id': 'p-1' }, 'charging'));
    logger.info('listening');
    expect(lines[0]).toMatchObject({
      message: 'charging',
      'http.request.id': 'req-1',
      'trace.id': TRACE_ID,
      'span.id': SPAN_ID,
      'order.id': 'o-1',
      'order.total': 4980,
      'payment.id': 'p-1',
      'service.name': 'svc',
    });
    expect(lines[0]['trace.flags']).toBeUndefined();
    for (const key of ['http.request.id', 'trace.id', 'span.id', 'order.id'])
      expect({ key, outside: lines[1][key] }).toEqual({ key, outside: undefined });
    for (const line of raw) expect(keysOf(line)).toEqual([...new Set(keysOf(line))]);
  });

  it('never repeats a key given both by the line and by the context: the line’s value is written', () => {
    const { lines, raw, stream } = sink();
    const logger = pino(appLoggerOptions(options), stream);
    const scope: RequestScope = { id: 'req-2', fields: { 'order.id': 'o-2' } };
    const relayed = 'a'.repeat(32);
    inRequest(scope, () => {
      logger.info({ 'order.id': 'o-other', 'trace.id': relayed }, 'relayed');
      logger.child({ context: 'Orders' }).warn({ 'http.request.id': 'given' }, 'named its request');
    });
    expect(lines[0]).toMatchObject({ 'order.id': 'o-other', 'trace.id': relayed, 'span.id': SPAN_ID });
    // A line naming its request (the access line) gets nothing from the context.
    expect(lines[1]).toMatchObject({ 'http.request.id': 'given', context: 'Orders' });
    expect(lines[1]['trace.id']).toBeUndefined();
    for (const line of raw) expect(keysOf(line)).toEqual([...new Set(keysOf(line))]);
    expect(raw.map((line) => line.split('"order.id"').length - 1)).toEqual([1, 0]);
  });

  it('allocates nothing outside a request and a span: one shared empty object', () => {
    const outside = requestLogFields({});
    expect(outside).toEqual({});
    expect(requestLogFields({ any: 1 })).toBe(outside);
    const invalid = trace.wrapSpanContext({
      traceId: '0'.repeat(32),
      spanId: '0'.repeat(16),
      traceFlags: TraceFlags.NONE,
    });
    expect(context.with(trace.setSpan(ROOT_CONTEXT, invalid), () => requestLogFields({}))).toBe(outside);
    // A span without a request (a saga step, a job): its ids only.
    const span = trace.wrapSpanContext({
      traceId: TRACE_ID,
      spanId: SPAN_ID,
      traceFlags: TraceFlags.SAMPLED,
    });
    expect(context.with(trace.setSpan(ROOT_CONTEXT, span), () => requestLogFields({}))).toEqual({
      'trace.id': TRACE_ID,
      'span.id': SPAN_ID,
    });
  });

  it('puts them on the audit stream too', () => {
    const audit = sink();
    const auditLog = new AuditLog(options, { destination: () => audit.stream } as unknown as LogShipping);
    inRequest({ id: 'req-3', fields: { 'order.id': 'o-3' } }, () =>
      auditLog.record('order-created', { 'order.id': 'o-3', 'customer.id': 'c-3' }),
    );
    expect(audit.lines).toMatchObject([
      {
        'event.action': 'order-created',
        'http.request.id': 'req-3',
        'trace.id': TRACE_ID,
        'order.id': 'o-3',
        'customer.id': 'c-3',
      },
    ]);
    for (const line of audit.raw) expect(keysOf(line)).toEqual([...new Set(keysOf(line))]);
  });
});

describe('credentials of a request logged directly (ECS fields)', () => {
  it('censors its credential headers and query parameters, and leaves the request as it was', () => {
    const { lines, stream } = sink();
    const logger = pino(ecsLoggerOptions(options), stream);
    const headers = {
      host: 'h',
      authorization: 'Bearer direct-t0ken',
      'x-api-key': 'k3y',
      'user-agent': 'spec',
    };
    const request = {
      httpVersion: '1.1',
      method: 'GET',
      url: '/x?access_token=query-t0ken&limit=5',
      headers,
    };
    logger.info({ req: request }, 'direct');
    expect(JSON.stringify(lines)).not.toMatch(/t0ken|k3y/);
    expect(lines[0].http.request.headers).toEqual({
      host: 'h',
      authorization: '[REDACTED]',
      'x-api-key': '[REDACTED]',
      'user-agent': 'spec',
    });
    expect(lines[0].url).toMatchObject({
      path: '/x',
      full: 'http://h/x?access_token=[REDACTED]&limit=5',
      query: 'access_token=[REDACTED]&limit=5',
    });
    expect(headers.authorization).toBe('Bearer direct-t0ken');
    expect(request.url).toBe('/x?access_token=query-t0ken&limit=5');
  });
});
