import type { Provider } from '@nestjs/common';
import { makeCounterProvider, makeGaugeProvider } from '@willsoto/nestjs-prometheus';
import type { Counter, Gauge } from 'prom-client';
import {
  processSpanExportStats,
  SPAN_DROP_REASONS,
  type SpanExportStats,
} from '../tracing/span-export.stats';
import { SPAN_EXPORT_METRICS } from './metric-names';

/**
 * The span export accounting of this process's tracing, read at scrape time: tracing starts before Nest
 * (first line of `main.ts`) and keeps plain counts, which these counters and gauges expose. All zero when
 * tracing is off or exports nowhere. Every drop reason has a series from the start, so alerts see 0, not
 * an absent series.
 */
export function spanExportMetricProviders(stats: SpanExportStats = processSpanExportStats): Provider[] {
  const total = (name: string, help: string, read: () => number): Provider =>
    makeCounterProvider({
      name,
      help,
      collect(this: Counter) {
        this.reset();
        this.inc(read());
      },
    });
  const gauge = (name: string, help: string, read: () => number): Provider =>
    makeGaugeProvider({
      name,
      help,
      collect(this: Gauge) {
        this.set(read());
      },
    });
  return [
    total(
      SPAN_EXPORT_METRICS.ended,
      'Sampled spans that ended and were handed to the exporting span processor',
      () => stats.ended,
    ),
    total(SPAN_EXPORT_METRICS.exported, 'Spans the trace collector accepted', () => stats.exported),
    makeCounterProvider({
      name: SPAN_EXPORT_METRICS.dropped,
      help: 'Sampled spans that will never reach the collector, by reason (queue_full, export_failed, shutdown)',
      labelNames: ['reason'],
      collect(this: Counter<'reason'>) {
        this.reset();
        for (const reason of SPAN_DROP_REASONS) this.inc({ reason }, stats.dropped[reason]);
      },
    }),
    total(
      SPAN_EXPORT_METRICS.exportFailures,
      'Span exports that failed after the exporter retried, each losing one batch',
      () => stats.exportFailures,
    ),
    total(
      SPAN_EXPORT_METRICS.exportSeconds,
      'Time spent exporting spans; one export runs at a time, so its rate is the exporter busy fraction',
      () => stats.exportSeconds,
    ),
    gauge(SPAN_EXPORT_METRICS.queueSize, 'Spans waiting in the span processor queue', () => stats.queued()),
    gauge(
      SPAN_EXPORT_METRICS.queueCapacity,
      'Spans the span processor queue holds before it drops new ones',
      () => stats.queueCapacity,
    ),
  ];
}
