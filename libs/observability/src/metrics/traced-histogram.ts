import type { Provider } from '@nestjs/common';
import { getToken } from '@willsoto/nestjs-prometheus';
import {
  Histogram,
  register,
  Registry,
  type HistogramConfiguration,
  type LabelValues,
  type ObserveDataWithExemplar,
} from 'prom-client';
import { HistogramChild, recordSample } from './bound-children';
import { NO_EXEMPLAR, traceExemplar } from './trace-exemplar';

/**
 * A latency histogram whose samples link to their trace: a sample recorded inside a sampled trace carries
 * the trace id as its bucket's exemplar (`… # {trace_id="…"} <value> <time>` in the OpenMetrics
 * exposition, which Prometheus stores with `--enable-feature=exemplar-storage` and Grafana links to
 * Jaeger). Recorded as any prom-client histogram — `observe(labels, seconds)`, `startTimer(labels)` — the
 * exemplar is found where the sample is recorded, from the active span; a caller that measures outside
 * the span passes it (`startTimer(labels, spanExemplar(span.spanContext()))`).
 *
 * Outside a sampled trace a sample is recorded exactly as by a histogram without exemplars; inside one, it
 * costs the exemplar prom-client keeps per bucket (the trace's labels are shared by its samples). Exemplars need the OpenMetrics registry (`useOpenMetricsRegistry`, which the
 * ObservabilityModule switches on before it creates any metric); on a registry in the classic format, such
 * as a StandaloneMetrics set, the histogram records no exemplars.
 *
 * On a hot path, bind the label set once: `labels({ … })` (or the values in label-name order) returns a
 * child bound to its series, whose `observe(seconds)` neither hashes nor checks labels again, and still
 * links the sample to the active sampled trace.
 */
export class TracedHistogram<T extends string = string> extends Histogram<T> {
  private readonly exemplars: boolean;

  constructor(config: HistogramConfiguration<T>) {
    const registers = config.registers ?? [register];
    const exemplars = registers.every((r) => r.contentType !== Registry.PROMETHEUS_CONTENT_TYPE);
    super({ ...config, enableExemplars: exemplars });
    this.exemplars = exemplars;
    // prom-client puts `observe` on the instance (with or without exemplars); this one takes its place.
    this.observe = this.observeInTrace;
  }

  /** `startTimer(labels, exemplarLabels?)`: without exemplar labels, the trace active when it stops. */
  override startTimer(
    labels?: LabelValues<T>,
    exemplarLabels?: LabelValues<T>,
  ): (labels?: LabelValues<T>, exemplarLabels?: LabelValues<T>) => number {
    const start = process.hrtime.bigint();
    return (endLabels, endExemplarLabels) => {
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      this.record({ ...labels, ...endLabels }, seconds, endExemplarLabels ?? exemplarLabels);
      return seconds;
    };
  }

  /**
   * A child bound to one label set (`HistogramChild`): its samples go straight to their series, with the
   * active sampled trace as exemplar. Keep it for as long as the label set is used.
   */
  override labels(...values: string[]): Histogram.Internal<T>;
  override labels(labels: LabelValues<T>): Histogram.Internal<T>;
  override labels(...args: unknown[]): Histogram.Internal<T> {
    return new HistogramChild<T>(this, args, this.exemplars);
  }

  /** The three forms of prom-client's `observe`: `(value)`, `(labels, value)`, `({ labels, value, exemplarLabels })`. */
  private observeInTrace(
    labelsOrData: number | LabelValues<T> | ObserveDataWithExemplar<T>,
    value?: number,
  ): void {
    if (typeof labelsOrData === 'number') return this.record({}, labelsOrData, undefined);
    if (value !== undefined) return this.record(labelsOrData as LabelValues<T>, value, undefined);
    const data = labelsOrData as ObserveDataWithExemplar<T>;
    this.record(data.labels ?? {}, data.value, data.exemplarLabels);
  }

  private record(labels: LabelValues<T>, value: number, exemplarLabels: LabelValues<T> | undefined): void {
    const exemplar = this.exemplars ? (exemplarLabels ?? traceExemplar()) : undefined;
    recordSample(this, labels, value, exemplar === NO_EXEMPLAR ? undefined : exemplar);
  }
}

/** A histogram's definition: name, help, label names and buckets (the registry is the process's). */
export type HistogramDefinition = Omit<HistogramConfiguration<string>, 'registers' | 'enableExemplars'>;

/**
 * The provider of a latency histogram in the process's registry, to inject with `@InjectMetric(name)`:
 * a `TracedHistogram`, so that its samples link to their traces.
 */
export function makeHistogramProvider(definition: HistogramDefinition): Provider {
  return {
    provide: getToken(definition.name),
    useFactory: () => register.getSingleMetric(definition.name) ?? new TracedHistogram(definition),
  };
}
