/**
 * Why a sampled span never reached the collector: the processor's queue was full when it ended, the
 * export of its batch failed (after the exporter's own retries), or it ended after the processor shut down.
 */
export const SPAN_DROP_REASONS = ['queue_full', 'export_failed', 'shutdown'] as const;
export type SpanDropReason = (typeof SPAN_DROP_REASONS)[number];

/**
 * What became of every sampled span handed to the exporting processor, as plain counts: tracing starts
 * before Nest and the metrics registry, so the Nest module reads these at scrape time. At any moment
 * `ended = exported + dropped + queued + exporting`; once the queue is drained, a span neither exported
 * nor counted as dropped does not exist.
 */
export class SpanExportStats {
  /** Sampled spans that ended and reached the processor. */
  ended = 0;
  /** Spans the collector accepted. */
  exported = 0;
  /** Spans handed to the exporter whose result is not known yet. */
  exporting = 0;
  readonly dropped: Record<SpanDropReason, number> = { queue_full: 0, export_failed: 0, shutdown: 0 };
  /** Export calls that failed, each losing one batch. */
  exportFailures = 0;
  /**
   * Time spent in exports, from hand-over to result. The batch processor has one export in flight at a
   * time, so its rate is the share of time the exporter is busy: near 1, it cannot ship more.
   */
  exportSeconds = 0;
  /** The processor's queue limit (0 until a processor reports it). */
  queueCapacity = 0;
  private queueProbe: () => number = () => 0;

  /** Spans waiting in the processor's queue right now. */
  queued(): number {
    return this.queueProbe();
  }

  /** Where `queued()` reads from: the processor reports its queue through this. */
  watchQueue(probe: () => number): void {
    this.queueProbe = probe;
  }

  droppedTotal(): number {
    return SPAN_DROP_REASONS.reduce((sum, reason) => sum + this.dropped[reason], 0);
  }
}

/** The counts of the tracing started in this process (`startTracing`), which `/metrics` exposes. */
export const processSpanExportStats = new SpanExportStats();
