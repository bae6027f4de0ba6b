import {
  Histogram,
  type Counter,
  type Gauge,
  type LabelValues,
  type ObserveDataWithExemplar,
} from 'prom-client';
import { traceExemplar } from './trace-exemplar';

// prom-client's own label handling, so that a bound child names exactly the series prom-client keeps:
// `getLabels` reads `labels(...)`'s arguments (an object, or values in label-name order), `hashObject`
// is the key of a series in a metric's `hashMap`.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { getLabels, hashObject } = require('prom-client/lib/util') as {
  getLabels(labelNames: readonly string[], args: unknown[]): Record<string, string | number>;
  hashObject(labels: object, sortedLabelNames: readonly string[]): string;
};

/** prom-client's two ways of recording a sample: public in its JavaScript, missing from its typings. */
interface Recording {
  observeWithExemplar(data: ObserveDataWithExemplar<string>): void;
  observeWithoutExemplar(labels: LabelValues<string>, value: number): void;
}
const recording = Histogram.prototype as unknown as Recording;

/**
 * What a metric keeps per label set in prom-client 15: its series, by the hash of their labels. The
 * children below write into these (prom-client is pinned to one version): bound-children.spec.ts records
 * the same samples through prom-client's own calls and compares the expositions, so a version that keeps
 * its series otherwise fails there.
 */
interface SeriesOf<S> {
  readonly labelNames: readonly string[];
  readonly sortedLabelNames: readonly string[];
  readonly hashMap: Record<string, S | undefined>;
}

/** A counter's or a gauge's series. */
interface ValueSeries {
  value: number;
}

/** One bucket's exemplar, as prom-client keeps it (an instance of its `Exemplar`). */
interface ExemplarSlot {
  labelSet: object;
  value: number;
  timestamp: number;
}

/** A histogram's series: its buckets by upper bound (`String(bound)`; above the last one, `-1`). */
interface HistogramSeries {
  sum: number;
  count: number;
  readonly bucketValues: Record<string, number>;
  readonly bucketExemplars?: Record<string, ExemplarSlot | null | undefined>;
}

/** Where prom-client files a sample above the last bucket bound (counted in `+Inf` from the series' count). */
const ABOVE_LAST_BOUND = '-1';

/**
 * The labels of a child as `labels(...)` takes them (an object, or values in label-name order): checked
 * against the metric's label names as prom-client checks them, copied and frozen, since the series keeps
 * them by reference.
 */
function childLabels(
  metric: { labelNames: readonly string[] },
  args: unknown[],
): Readonly<LabelValues<string>> {
  const labels = getLabels(metric.labelNames, args);
  for (const name of Object.keys(labels)) {
    if (!metric.labelNames.includes(name)) {
      throw new Error(
        `Added label "${name}" is not included in initial labelset: ${metric.labelNames.join(', ')}`,
      );
    }
  }
  return Object.freeze({ ...labels });
}

/**
 * A sample recorded as prom-client records it: the label set hashed and looked up, the series created
 * when it does not exist (or no longer does, after `reset()` or `remove()`), the value checked; with
 * exemplar labels, prom-client's exemplar path.
 */
export function recordSample(
  histogram: Histogram<string>,
  labels: LabelValues<string>,
  value: number,
  exemplar: LabelValues<string> | undefined,
): void {
  if (exemplar === undefined) recording.observeWithoutExemplar.call(histogram, labels, value);
  else recording.observeWithExemplar.call(histogram, { labels, value, exemplarLabels: exemplar });
}

/** A counter child bound to one label set: `inc(value = 1)`. */
export interface BoundCounter {
  inc(value?: number): void;
}

/** A gauge child bound to one label set: `inc(value = 1)`, `dec(value = 1)`. */
export interface BoundGauge {
  inc(value?: number): void;
  dec(value?: number): void;
}

/**
 * A child bound to one series of a prom-client 15 metric, found by the label hash computed once: a sample
 * adds to the series directly, where prom-client's own `labels(...)` child hashes and checks its labels on
 * every call. Whenever the series is missing (first sample, `reset()`, `remove()`) or the value is one
 * prom-client rejects, the sample takes prom-client's own path, which creates the series or throws.
 */
abstract class BoundSeries<S> {
  private readonly metric: SeriesOf<S>;
  readonly labels: Readonly<LabelValues<string>>;
  private readonly hash: string;

  protected constructor(metric: object, args: unknown[]) {
    this.metric = metric as SeriesOf<S>;
    this.labels = childLabels(this.metric, args);
    this.hash = hashObject(this.labels, this.metric.sortedLabelNames);
  }

  /** The series as the metric has it now (`reset()` replaces them all, `remove()` and `zero()` one). */
  protected current(): S | undefined {
    return this.metric.hashMap[this.hash];
  }
}

class CounterChild extends BoundSeries<ValueSeries> implements BoundCounter {
  private readonly withExemplars: boolean;

  constructor(
    private readonly counter: Counter<string>,
    args: unknown[],
  ) {
    super(counter, args);
    this.withExemplars = (counter as unknown as { enableExemplars?: boolean }).enableExemplars === true;
  }

  inc(value?: number): void {
    const series = this.current();
    if (series !== undefined) {
      if (value === undefined) {
        series.value += 1;
        return;
      }
      if (value >= 0 && value < Infinity) {
        series.value += value;
        return;
      }
    }
    if (this.withExemplars) this.counter.inc({ labels: this.labels, value });
    else this.counter.inc(this.labels, value);
  }
}

class GaugeChild extends BoundSeries<ValueSeries> implements BoundGauge {
  constructor(
    private readonly gauge: Gauge<string>,
    args: unknown[],
  ) {
    super(gauge, args);
  }

  inc(value = 1): void {
    const series = this.current();
    if (series !== undefined && typeof value === 'number') series.value += value;
    else this.gauge.inc(this.labels, value);
  }

  dec(value = 1): void {
    const series = this.current();
    if (series !== undefined && typeof value === 'number') series.value -= value;
    else this.gauge.dec(this.labels, value);
  }
}

/** The keys of a histogram's buckets (`String(bound)`), shared by its children: bounds are frozen. */
const bucketKeys = new WeakMap<readonly number[], readonly string[]>();

function bucketKeysOf(upperBounds: readonly number[]): readonly string[] {
  let keys = bucketKeys.get(upperBounds);
  if (keys === undefined) bucketKeys.set(upperBounds, (keys = Object.freeze(upperBounds.map(String))));
  return keys;
}

/**
 * A histogram child bound to one series. With `traced`, a sample recorded inside a sampled trace carries
 * the trace as its bucket's exemplar, as `TracedHistogram.observe` does; outside one, it costs the bucket
 * search and three additions.
 */
export class HistogramChild<T extends string = string> extends BoundSeries<HistogramSeries> {
  private readonly upperBounds: readonly number[];
  private readonly bucketKeys: readonly string[];

  constructor(
    private readonly histogram: Histogram<T>,
    args: unknown[],
    private readonly traced: boolean,
  ) {
    super(histogram, args);
    this.upperBounds = (histogram as unknown as { upperBounds: readonly number[] }).upperBounds;
    this.bucketKeys = bucketKeysOf(this.upperBounds);
  }

  observe(value: number): void {
    const exemplar = this.traced ? traceExemplar() : undefined;
    const series = this.current();
    if (series === undefined || !Number.isFinite(value)) {
      return recordSample(this.histogram, this.labels, value, exemplar);
    }
    const bounds = this.upperBounds;
    let bucket = ABOVE_LAST_BOUND;
    for (let i = 0; i < bounds.length; i++) {
      if (value <= bounds[i]) {
        bucket = this.bucketKeys[i]!;
        break;
      }
    }
    if (exemplar !== undefined) {
      // The bucket's exemplar is updated in place, as prom-client does once it exists; it creates it.
      const slot = series.bucketExemplars?.[bucket];
      if (slot == null) return recordSample(this.histogram, this.labels, value, exemplar);
      slot.labelSet = exemplar;
      slot.value = value;
      slot.timestamp = Date.now() / 1000;
    }
    if (bucket !== ABOVE_LAST_BOUND) series.bucketValues[bucket] += 1;
    series.sum += value;
    series.count += 1;
  }

  /** Times until the returned function is called; labels given then are added to the child's. */
  startTimer(): (labels?: LabelValues<T>) => number {
    const start = process.hrtime.bigint();
    return (endLabels) => {
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      if (endLabels === undefined) this.observe(seconds);
      else {
        const labels = { ...this.labels, ...endLabels };
        recordSample(this.histogram, labels, seconds, this.traced ? traceExemplar() : undefined);
      }
      return seconds;
    };
  }
}

/** A counter child bound to `labels` (see `BoundSeries`). */
export function bindCounter<T extends string>(counter: Counter<T>, labels: LabelValues<T>): BoundCounter {
  return new CounterChild(counter, [labels]);
}

/** A gauge child bound to `labels` (see `BoundSeries`). */
export function bindGauge<T extends string>(gauge: Gauge<T>, labels: LabelValues<T>): BoundGauge {
  return new GaugeChild(gauge, [labels]);
}
