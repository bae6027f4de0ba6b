import {
  createNoopMeter,
  type Attributes,
  type Meter,
  type MeterProvider,
  type ObservableCallback,
  type ObservableUpDownCounter,
} from '@opentelemetry/api';
import { ATTR_ERROR_TYPE } from '@opentelemetry/semantic-conventions';
import type { SpanExportStats } from './span-export.stats';

/**
 * The SDK's self-observability instruments (semantic conventions for SDK metrics) that a batch span
 * processor reports to: the only place that sees a span dropped because the queue is full.
 */
const PROCESSED = 'otel.sdk.processor.span.processed';
const QUEUE_CAPACITY = 'otel.sdk.processor.span.queue.capacity';
const QUEUE_SIZE = 'otel.sdk.processor.span.queue.size';
const QUEUE_FULL = 'queue_full';

/**
 * A `MeterProvider` for the `selfObsMeterProvider` option of the SDK's `BatchSpanProcessor` that turns
 * what it reports into `stats`: spans dropped on a full queue, the queue's capacity and its current size.
 * Export outcomes are counted by `CountingSpanExporter`, which sees the exporter's result codes; every
 * other instrument is a no-op. No OpenTelemetry metrics SDK is involved: metrics go through Prometheus.
 */
export function spanProcessorMeterProvider(stats: SpanExportStats): MeterProvider {
  const noop = createNoopMeter();
  const meter: Meter = Object.create(noop) as Meter;
  meter.createCounter = (name, options) =>
    name === PROCESSED
      ? {
          add: (value: number, attributes?: Attributes) => {
            if (attributes?.[ATTR_ERROR_TYPE] === QUEUE_FULL) stats.dropped.queue_full += value;
          },
        }
      : noop.createCounter(name, options);
  meter.createUpDownCounter = (name, options) =>
    name === QUEUE_CAPACITY
      ? { add: (value: number) => void (stats.queueCapacity += value) }
      : noop.createUpDownCounter(name, options);
  meter.createObservableUpDownCounter = (name, options) =>
    name === QUEUE_SIZE ? queueSizeObserver(stats) : noop.createObservableUpDownCounter(name, options);
  return { getMeter: () => meter };
}

/** Reads the queue size on demand through the callback the processor registers. */
function queueSizeObserver(stats: SpanExportStats): ObservableUpDownCounter {
  return {
    addCallback: (callback: ObservableCallback) =>
      stats.watchQueue(() => {
        let size = 0;
        void callback({ observe: (value: number) => void (size = value) });
        return size;
      }),
    removeCallback: () => stats.watchQueue(() => 0),
  };
}
