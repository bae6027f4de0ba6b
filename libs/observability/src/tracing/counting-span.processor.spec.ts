import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import {
  InMemorySpanExporter,
  SamplingDecision,
  TracerProvider,
  type ReadableSpan,
  type Sampler,
} from '@opentelemetry/sdk-trace';
import { CountingBatchSpanProcessor } from './counting-span.processor';
import { SpanExportStats } from './span-export.stats';

/** A collector that takes its time: each export answers after `delayMs`, as a busy network would. */
class SlowExporter extends InMemorySpanExporter {
  constructor(private readonly delayMs: number) {
    super();
  }

  override export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    setTimeout(() => super.export(spans, done), this.delayMs);
  }
}

/** A collector that refuses everything. */
class FailingExporter extends InMemorySpanExporter {
  override export(_spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    setTimeout(() => done({ code: ExportResultCode.FAILED, error: new Error('collector unavailable') }), 1);
  }
}

const recordOnly: Sampler = {
  shouldSample: () => ({ decision: SamplingDecision.RECORD }),
  toString: () => 'RecordOnly',
};

describe('CountingBatchSpanProcessor (every sampled span exported or counted as dropped)', () => {
  let stats: SpanExportStats;
  beforeEach(() => (stats = new SpanExportStats()));

  function tracerWith(processor: CountingBatchSpanProcessor, sampler?: Sampler) {
    return new TracerProvider({ spanProcessors: [processor], sampler }).getTracer('test');
  }
  const endSpans = (tracer: ReturnType<typeof tracerWith>, count: number) => {
    for (let i = 0; i < count; i += 1) tracer.startSpan(`work-${i}`).end();
  };

  it('counts every span lost to a full queue: exported + dropped = created', async () => {
    const exporter = new SlowExporter(20);
    const processor = new CountingBatchSpanProcessor(
      { exporter, maxQueueSize: 10, maxExportBatchSize: 5, scheduledDelayMillis: 60_000 },
      stats,
    );
    // Far faster than one slow export: the first batch leaves, the queue fills, the rest is dropped.
    endSpans(tracerWith(processor), 100);
    await processor.forceFlush();

    const received = exporter.getFinishedSpans().length;
    expect(received).toBeGreaterThan(0);
    expect(received).toBeLessThan(100);
    expect(stats.dropped.queue_full).toBe(100 - received);
    expect(stats).toMatchObject({ ended: 100, exported: received, exporting: 0, exportFailures: 0 });
    expect(stats.exported + stats.droppedTotal()).toBe(stats.ended);
    expect(stats.queued()).toBe(0);
    expect(stats.queueCapacity).toBe(10);
  });

  it('drops nothing when the queue absorbs the burst, and reports what waits in it', async () => {
    const exporter = new SlowExporter(5);
    const processor = new CountingBatchSpanProcessor(
      { exporter, maxQueueSize: 1_000, maxExportBatchSize: 100, scheduledDelayMillis: 60_000 },
      stats,
    );
    endSpans(tracerWith(processor), 950);
    expect(stats.queued() + stats.exporting).toBe(950);
    await processor.forceFlush();

    expect(exporter.getFinishedSpans()).toHaveLength(950);
    expect(stats).toMatchObject({ ended: 950, exported: 950, exporting: 0 });
    expect(stats.droppedTotal()).toBe(0);
  });

  it('counts the spans of failed exports, and each failed export', async () => {
    const processor = new CountingBatchSpanProcessor(
      {
        exporter: new FailingExporter(),
        maxQueueSize: 100,
        maxExportBatchSize: 5,
        scheduledDelayMillis: 60_000,
      },
      stats,
    );
    endSpans(tracerWith(processor), 7);
    await processor.forceFlush().catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 20));

    expect(stats).toMatchObject({ ended: 7, exported: 0, exporting: 0, exportFailures: 2 });
    expect(stats.dropped).toEqual({ queue_full: 0, export_failed: 7, shutdown: 0 });
  });

  it('counts spans that end after shutdown, which the SDK ignores', async () => {
    const exporter = new InMemorySpanExporter();
    const processor = new CountingBatchSpanProcessor({ exporter }, stats);
    const tracer = tracerWith(processor);
    const late = tracer.startSpan('outlives the processor');
    endSpans(tracer, 3);
    await processor.shutdown();
    late.end();

    expect(stats).toMatchObject({ ended: 4, exported: 3 });
    expect(stats.dropped).toEqual({ queue_full: 0, export_failed: 0, shutdown: 1 });
  });

  it('ignores recorded but unsampled spans, as the SDK processor does', async () => {
    const exporter = new InMemorySpanExporter();
    const processor = new CountingBatchSpanProcessor({ exporter }, stats);
    endSpans(tracerWith(processor, recordOnly), 5);
    await processor.forceFlush();

    expect(exporter.getFinishedSpans()).toHaveLength(0);
    expect(stats).toMatchObject({ ended: 0, exported: 0 });
  });
});
