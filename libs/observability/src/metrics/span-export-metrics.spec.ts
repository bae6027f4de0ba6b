import { Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { InMemorySpanExporter, TracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace';
import type { ExportResult } from '@opentelemetry/core';
import { register } from 'prom-client';
import { freePort } from '../../../../tooling/free-port';
import { parseExposition, valueOf } from '../../../../tooling/prometheus-text';
import { ObservabilityModule } from '../observability.module';
import { CountingBatchSpanProcessor } from '../tracing/counting-span.processor';
import { SPAN_EXPORT_METRICS } from './metric-names';

class SlowExporter extends InMemorySpanExporter {
  override export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    setTimeout(() => super.export(spans, done), 20);
  }
}

/**
 * Tracing starts before Nest and counts on its own; the module's metrics server shows those counts,
 * in the text format and in OpenMetrics.
 */
describe('span export metrics on /metrics', () => {
  let app: INestApplication;
  let metricsUrl: string;
  const scrape = async (accept?: string) =>
    (await fetch(metricsUrl, { headers: accept ? { accept } : {} })).text();

  beforeAll(async () => {
    register.clear();
    const port = await freePort();
    @Module({
      imports: [
        ObservabilityModule.forRoot({
          serviceName: 'widgets',
          metrics: { port, host: '127.0.0.1', defaultMetrics: false },
          logging: { level: 'silent' },
        }),
      ],
    })
    class WidgetsModule {}
    app = await NestFactory.create(WidgetsModule, new FastifyAdapter(), { logger: false });
    await app.init();
    metricsUrl = `http://127.0.0.1:${port}/metrics`;
  });
  afterAll(async () => {
    await app?.close();
    register.clear();
  });

  it('exposes every drop reason at zero before any span is lost', async () => {
    const metrics = parseExposition(await scrape());
    for (const reason of ['queue_full', 'export_failed', 'shutdown'])
      expect(metrics.samples).toContainEqual({
        name: SPAN_EXPORT_METRICS.dropped,
        labels: { reason },
        value: 0,
      });
    expect(metrics.types.get(SPAN_EXPORT_METRICS.ended)).toBe('counter');
    expect(metrics.types.get(SPAN_EXPORT_METRICS.queueSize)).toBe('gauge');
  });

  it('shows the spans of the process-wide processor: ended = exported + dropped', async () => {
    const exporter = new SlowExporter();
    const processor = new CountingBatchSpanProcessor({
      exporter,
      maxQueueSize: 10,
      maxExportBatchSize: 5,
      scheduledDelayMillis: 60_000,
    });
    const tracer = new TracerProvider({ spanProcessors: [processor] }).getTracer('test');
    for (let i = 0; i < 40; i += 1) tracer.startSpan(`work-${i}`).end();
    await processor.forceFlush();

    const metrics = parseExposition(await scrape());
    const value = (name: string, labels = {}) => valueOf(metrics, name, labels);
    const received = exporter.getFinishedSpans().length;
    expect(value(SPAN_EXPORT_METRICS.ended)).toBe(40);
    expect(value(SPAN_EXPORT_METRICS.exported)).toBe(received);
    expect(value(SPAN_EXPORT_METRICS.dropped, { reason: 'queue_full' })).toBe(40 - received);
    expect(value(SPAN_EXPORT_METRICS.queueCapacity)).toBe(10);
    expect(value(SPAN_EXPORT_METRICS.queueSize)).toBe(0);
    expect(value(SPAN_EXPORT_METRICS.exportFailures)).toBe(0);

    const openMetrics = await scrape('application/openmetrics-text; version=1.0.0');
    expect(openMetrics).toContain(`otel_spans_dropped_total{reason="queue_full"} ${40 - received}`);
    await processor.shutdown();
  });
});
