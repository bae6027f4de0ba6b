import { randomBytes } from 'node:crypto';
import type { FactoryProvider } from '@nestjs/common';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { context, ROOT_CONTEXT, TraceFlags, trace } from '@opentelemetry/api';
import { SamplingDecision, TraceIdRatioBasedSampler } from '@opentelemetry/sdk-trace';
import pino from 'pino';
import { register, type Counter } from 'prom-client';
import { parseExposition, valueOf } from '../../../../tooling/prometheus-text';
import { resolveObservabilityOptions, type LoggingOptions } from '../observability.options';
import { AuditLog } from './audit-log';
import { LOG_LINES_DROPPED_METRIC } from './log-names';
import {
  keepsTrace,
  logSamplingHooks,
  logSamplingMetricProvider,
  LogSamplingStats,
  traceIdRatioBound,
} from './log-sampling';
import type { LogShipping } from './log-shipping';
import { appLoggerOptions } from './logger.options';
import { logLines, type LogLine } from './log-lines.fixture';

type Line = LogLine;

const randomTraceId = () => randomBytes(16).toString('hex');
const randomTraceIds = (count: number) => Array.from({ length: count }, randomTraceId);

/** Runs `work` as the active span of `traceId` would (what the logger's mixin and sampling hook read). */
function inTrace<T>(traceId: string, work: () => T): T {
  const spanContext = { traceId, spanId: randomBytes(8).toString('hex'), traceFlags: TraceFlags.SAMPLED };
  return context.with(trace.setSpanContext(ROOT_CONTEXT, spanContext), work);
}

const sink = logLines;

const options = (logging: LoggingOptions = {}) =>
  resolveObservabilityOptions({ serviceName: 'svc', logging: { level: 'trace', ...logging } });

/** The application logger (one process) at `ratio`, with its own counts and written lines. */
function appLogger(ratio: number | undefined) {
  const stats = new LogSamplingStats();
  const { lines, stream } = sink();
  const logger = pino(appLoggerOptions(options(), ratio, stats), stream);
  return { logger, lines, stats };
}

/** The provider's counter on prom-client's registry, as Nest creates it. */
function registerCounter(stats: LogSamplingStats): Counter {
  register.removeSingleMetric(LOG_LINES_DROPPED_METRIC);
  const { useFactory } = logSamplingMetricProvider(stats) as FactoryProvider<Counter>;
  return (useFactory as (config?: unknown) => Counter)();
}

/** The same trace, rejected at any ratio below 1 (its fold is the largest there is), and one kept at any ratio above 0. */
const ALWAYS_DROPPED = 'ffffffff000000000000000000000000';
const ALWAYS_KEPT = '00000000000000000000000000000001';

describe('log sampling: which traces keep their lines', () => {
  const contextManager = new AsyncLocalStorageContextManager();
  beforeAll(() => context.setGlobalContextManager(contextManager.enable()));
  afterAll(() => {
    context.disable();
    contextManager.disable();
  });

  it("decides like OpenTelemetry's TraceIdRatioBased sampler at the same ratio", () => {
    const ids = [...randomTraceIds(3_000), ALWAYS_DROPPED, ALWAYS_KEPT];
    for (const ratio of [0, 0.001, 0.1, 0.5, 0.9, 0.999, 1]) {
      const sampler = new TraceIdRatioBasedSampler(ratio);
      const disagreeing = ids.filter(
        (id) =>
          keepsTrace(id, ratio) !==
          (sampler.shouldSample(ROOT_CONTEXT, id).decision === SamplingDecision.RECORD_AND_SAMPLED),
      );
      expect({ ratio, disagreeing }).toEqual({ ratio, disagreeing: [] });
    }
    expect([traceIdRatioBound(0), traceIdRatioBound(1), traceIdRatioBound(0.5)]).toEqual([
      0,
      2 ** 32,
      Math.floor(0.5 * 0xffffffff),
    ]);
  });

  it('keeps about half of the traces at 0.5, with all their lines', () => {
    const { logger, lines } = appLogger(0.5);
    const ids = randomTraceIds(4_000);
    for (const id of ids)
      inTrace(id, () => {
        logger.info({ id }, 'one');
        logger.debug({ id }, 'two');
        logger.child({ request: 1 }).info({ id }, 'three');
      });
    const linesOf = new Map<string, number>();
    for (const line of lines) linesOf.set(line.id, (linesOf.get(line.id) ?? 0) + 1);
    const share = linesOf.size / ids.length;
    expect(share).toBeGreaterThan(0.45);
    expect(share).toBeLessThan(0.55);
    expect([...linesOf.values()].every((count) => count === 3)).toBe(true);
    for (const id of ids) expect({ id, kept: linesOf.has(id) }).toEqual({ id, kept: keepsTrace(id, 0.5) });
  });

  it('makes the same decision for a trace in two loggers (two processes of one trace)', () => {
    const first = appLogger(0.3);
    const second = appLogger(0.3);
    const ids = randomTraceIds(500);
    for (const id of ids) {
      inTrace(id, () => first.logger.info({ id }, 'api'));
      second.logger.info({ id, 'trace.id': id }, 'worker, relayed with its trace id');
    }
    const kept = (lines: Line[]) => lines.map((line) => line.id as string);
    expect(kept(second.lines)).toEqual(kept(first.lines));
    expect(first.lines.length).toBeGreaterThan(0);
    expect(first.lines.length).toBeLessThan(ids.length);
  });

  it('prefers a trace id given with the line to the active span, as the written line does', () => {
    const { logger, lines } = appLogger(0.5);
    inTrace(ALWAYS_KEPT, () => logger.info({ 'trace.id': ALWAYS_DROPPED }, 'relayed, dropped'));
    inTrace(ALWAYS_DROPPED, () => logger.info({ 'trace.id': ALWAYS_KEPT }, 'relayed, kept'));
    expect(lines.map((line) => line.message)).toEqual(['relayed, kept']);
  });

  it('always writes warn, error and fatal lines', () => {
    const { logger, lines, stats } = appLogger(0);
    inTrace(randomTraceId(), () => {
      logger.trace('t');
      logger.debug('d');
      logger.info('i');
      logger.warn('w');
      logger.error('e');
      logger.fatal('f');
    });
    expect(lines.map((line) => line['log.level'])).toEqual(['warn', 'error', 'fatal']);
    expect(stats.dropped).toEqual({ trace: 1, debug: 1, info: 1 });
  });

  it('always writes the audit stream, while the same trace loses its info lines', () => {
    const app = appLogger(0);
    const audit = sink();
    const shipping = { destination: () => audit.stream } as unknown as LogShipping;
    const auditLog = new AuditLog(options(), shipping);
    inTrace(randomTraceId(), () => {
      app.logger.info('order placed');
      auditLog.record('order-created', { 'order.id': 'o-1' });
    });
    expect(app.lines).toEqual([]);
    expect(audit.lines).toMatchObject([{ 'event.action': 'order-created', 'order.id': 'o-1' }]);
  });

  it('writes lines outside any trace (start-up, shutdown, background work), and ones with an invalid trace id', () => {
    const { logger, lines, stats } = appLogger(0);
    logger.info('listening on http://127.0.0.1:3000');
    logger.debug('no span here');
    logger.info({ 'trace.id': '00000000000000000000000000000000' }, 'invalid trace id');
    inTrace('00000000000000000000000000000000', () => logger.info('invalid active span'));
    expect(lines.map((line) => line.message)).toEqual([
      'listening on http://127.0.0.1:3000',
      'no span here',
      'invalid trace id',
      'invalid active span',
    ]);
    expect(stats.dropped).toEqual({ trace: 0, debug: 0, info: 0 });
  });

  it('counts exactly the lines it drops, by level, on log_lines_dropped_total', async () => {
    const { logger, lines, stats } = appLogger(0.5);
    const expected = { trace: 0, debug: 0, info: 0 };
    let written = 0;
    for (const id of randomTraceIds(300))
      inTrace(id, () => {
        logger.trace('t');
        logger.debug('d');
        logger.info('i');
        logger.info('i again');
        logger.warn('w');
        if (keepsTrace(id, 0.5)) written += 4;
        else {
          expected.trace += 1;
          expected.debug += 1;
          expected.info += 2;
        }
      });
    expect(stats.dropped).toEqual(expected);
    expect(lines.length).toBe(written + 300);

    registerCounter(stats);
    try {
      const exposition = parseExposition(await register.metrics());
      for (const level of ['trace', 'debug', 'info'] as const)
        expect({ level, value: valueOf(exposition, LOG_LINES_DROPPED_METRIC, { level }) }).toEqual({
          level,
          value: expected[level],
        });
    } finally {
      register.removeSingleMetric(LOG_LINES_DROPPED_METRIC);
    }
  });

  it('has a series per level at 0 while nothing is dropped', async () => {
    registerCounter(new LogSamplingStats());
    try {
      const exposition = parseExposition(await register.metrics());
      const series = exposition.samples.filter((sample) => sample.name === LOG_LINES_DROPPED_METRIC);
      expect(series.map((sample) => [sample.labels.level, sample.value])).toEqual([
        ['trace', 0],
        ['debug', 0],
        ['info', 0],
      ]);
    } finally {
      register.removeSingleMetric(LOG_LINES_DROPPED_METRIC);
    }
  });

  it('adds no hook when the ratio is unset or 1: every line is written as before', () => {
    expect(logSamplingHooks(undefined)).toBeUndefined();
    expect(logSamplingHooks(1)).toBeUndefined();
    expect(appLoggerOptions(options()).hooks).toBeUndefined();
    expect(appLoggerOptions(options(), 1).hooks).toBeUndefined();
    expect(appLoggerOptions(options(), 0.5).hooks?.logMethod).toEqual(expect.any(Function));
    const { logger, lines, stats } = appLogger(undefined);
    inTrace(ALWAYS_DROPPED, () => {
      logger.debug('d');
      logger.info('i');
    });
    expect(lines.map((line) => line.message)).toEqual(['d', 'i']);
    expect(stats.dropped).toEqual({ trace: 0, debug: 0, info: 0 });
  });
});
