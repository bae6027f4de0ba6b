import type { Provider } from '@nestjs/common';
import { context, isSpanContextValid, isValidTraceId, trace } from '@opentelemetry/api';
import { makeCounterProvider } from '@willsoto/nestjs-prometheus';
import type { LogFn, Logger, LoggerOptions } from 'pino';
import type { Counter } from 'prom-client';
import { LOG_LINES_DROPPED_METRIC } from './log-names';

/** The levels sampling may leave out; `warn`, `error` and `fatal` are always written. */
export const SAMPLED_LOG_LEVELS = ['trace', 'debug', 'info'] as const;
export type SampledLogLevel = (typeof SAMPLED_LOG_LEVELS)[number];

/** pino's numeric levels: trace 10, debug 20, info 30, warn 40. */
const PINO_WARN = 40;
const PINO_INFO = 30;
const PINO_DEBUG = 20;

/**
 * The lines sampling left out, by level, as plain counts: the log method pays an increment, and
 * `log_lines_dropped_total{level}` reads them at scrape time.
 */
export class LogSamplingStats {
  readonly dropped: Record<SampledLogLevel, number> = { trace: 0, debug: 0, info: 0 };
}

/** The counts of this process's application logger, which `/metrics` exposes. */
export const processLogSamplingStats = new LogSamplingStats();

/**
 * The bound a trace id's fold is compared with, by OpenTelemetry's TraceIdRatioBased rule as
 * @opentelemetry/sdk-trace 3 implements it: ratio × (2^32 − 1) rounded down; 1 keeps every trace, 0 none.
 */
export function traceIdRatioBound(ratio: number): number {
  if (!(ratio > 0)) return 0;
  if (ratio >= 1) return 2 ** 32;
  return Math.floor(ratio * 0xffffffff);
}

/** The four 32-bit words of a (valid, 32 hex digit) trace id XORed together, as an unsigned integer. */
export function traceIdFold(traceId: string): number {
  let fold = 0;
  for (let start = 0; start < 32; start += 8) fold ^= Number.parseInt(traceId.slice(start, start + 8), 16);
  return fold >>> 0;
}

/**
 * Whether the lines of this trace are kept at `ratio`: the same decision in every process and logger,
 * and the one the trace sampler makes at the same ratio, so at a log ratio no higher than
 * `OTEL_TRACES_SAMPLER_ARG` (root sampling by ratio) every trace whose lines are kept is also exported.
 */
export function keepsTrace(traceId: string, ratio: number): boolean {
  return traceIdFold(traceId) < traceIdRatioBound(ratio);
}

/**
 * The trace a line belongs to, as the line will carry it: a `trace.id` given with the line (the access
 * line, which carries its request's; lines relayed from Temporal's workflow sandbox), else the active
 * span's, which the logger's mixin writes (`requestLogFields`). Undefined outside any trace (start-up,
 * shutdown, tracing off).
 */
function traceIdOf(first: unknown): string | undefined {
  if (typeof first === 'object' && first !== null) {
    const given = (first as Record<string, unknown>)['trace.id'];
    if (typeof given === 'string') return isValidTraceId(given) ? given : undefined;
  }
  const spanContext = trace.getSpanContext(context.active());
  return spanContext && isSpanContextValid(spanContext) ? spanContext.traceId : undefined;
}

function sampledLevel(level: number): SampledLogLevel {
  return level >= PINO_INFO ? 'info' : level >= PINO_DEBUG ? 'debug' : 'trace';
}

/**
 * pino `hooks` that keep the `trace`, `debug` and `info` lines of a share `ratio` of traces, decided by the
 * trace id (`keepsTrace`), so a kept trace has all its lines and a dropped one none of them below `warn`.
 * Kept whatever the ratio: `warn` and above, and lines outside any trace (they are few — start-up,
 * shutdown, background work — and no trace would ever gather them). Dropped lines are counted in `stats`.
 *
 * Undefined when `ratio` is unset or 1: no hook at all, so logging costs what it did. A hook runs only for
 * levels the logger has enabled, and is inherited by child loggers (nestjs-pino's among them). The access
 * line (`AccessLog`) is written with the same logger and names its request's trace: it follows the decision
 * of the request's other lines, wherever its response finishes.
 */
export function logSamplingHooks(
  ratio: number | undefined,
  stats: LogSamplingStats = processLogSamplingStats,
): LoggerOptions['hooks'] | undefined {
  if (ratio === undefined || ratio >= 1) return undefined;
  const bound = traceIdRatioBound(ratio);
  return {
    logMethod(this: Logger, args: Parameters<LogFn>, method: LogFn, level: number) {
      if (level < PINO_WARN) {
        const traceId = traceIdOf(args[0]);
        if (traceId !== undefined && traceIdFold(traceId) >= bound) {
          stats.dropped[sampledLevel(level)]++;
          return;
        }
      }
      method.apply(this, args);
    },
  };
}

/**
 * `log_lines_dropped_total{level}`: lines left out by log sampling, read from `stats` at scrape time. Every
 * level has a series from the start (0 while sampling is off), so a rate is 0 rather than absent.
 */
export function logSamplingMetricProvider(stats: LogSamplingStats = processLogSamplingStats): Provider {
  return makeCounterProvider({
    name: LOG_LINES_DROPPED_METRIC,
    help: 'Log lines left out by log sampling (LOG_SAMPLING_RATIO), by level (trace, debug, info)',
    labelNames: ['level'],
    collect(this: Counter<'level'>) {
      this.reset();
      for (const level of SAMPLED_LOG_LEVELS) this.inc({ level }, stats.dropped[level]);
    },
  });
}
