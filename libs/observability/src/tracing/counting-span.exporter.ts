import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';
import type { SpanExportStats } from './span-export.stats';

/**
 * Counts what an exporter did with each batch: spans accepted by the collector, or lost with a failed
 * export (the OTLP exporter has already retried what it may retry by the time it reports a failure), and
 * the time each export took.
 */
export class CountingSpanExporter implements SpanExporter {
  constructor(
    private readonly exporter: SpanExporter,
    private readonly stats: SpanExportStats,
  ) {}

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    const count = spans.length;
    this.stats.exporting += count;
    let reported = false;
    const started = performance.now();
    const report = (result: ExportResult) => {
      // An exporter that answers twice must not count a batch twice.
      if (reported) return;
      reported = true;
      this.stats.exporting -= count;
      this.stats.exportSeconds += (performance.now() - started) / 1_000;
      if (result.code === ExportResultCode.SUCCESS) this.stats.exported += count;
      else {
        this.stats.dropped.export_failed += count;
        this.stats.exportFailures += 1;
      }
      resultCallback(result);
    };
    try {
      this.exporter.export(spans, report);
    } catch (error) {
      report({
        code: ExportResultCode.FAILED,
        error: error instanceof Error ? error : new Error(String(error)),
      });
    }
  }

  forceFlush(): Promise<void> {
    return this.exporter.forceFlush?.() ?? Promise.resolve();
  }

  shutdown(): Promise<void> {
    return this.exporter.shutdown();
  }
}
