/**
 * The batch span processor's limits unless `OTEL_BSP_*` set them.
 *
 * The SDK's processor has one export in flight at a time and sends the next batch as soon as the queue
 * holds a full one, so it ships at most `maxExportBatchSize` spans per export round trip; the queue only
 * buys time while an export is slow. With the SDK's defaults (batch 512, queue 2,048), a collector
 * answering in 100 ms caps the export at ~5,000 spans/s, and 0.3 s of a 7,000 spans/s load fills the
 * queue, so spans are dropped; these limits keep up with such a load (a worker replaying a backlog of
 * orders, or reads at a few thousand per second, two spans each). docs/observability.md says how to pick a sampling ratio.
 */
export const BATCH_SPAN_PROCESSOR_DEFAULTS = {
  /**
   * Spans held while an export is in flight, before new ones are dropped (and counted): two seconds at
   * ~7,000 spans/s; ~1 KB each, so at most ~16–25 MB while a collector is unreachable.
   */
  maxQueueSize: 16_384,
  /**
   * Spans per export request: ~20,000 spans/s to a collector that answers in 50 ms. Serialising a batch
   * holds the event loop (~8–15 µs per span here), which is what keeps it from being larger.
   */
  maxExportBatchSize: 1_024,
  /** Longest a span waits in a part-filled batch: traces show up within a second, and a crash loses less. */
  scheduledDelayMillis: 1_000,
  /**
   * Above the OTLP exporter's own 10 s (retries included), so its result is always counted; below the
   * SDK's 30 s, so an exporter that never answers blocks the one export slot for less long.
   */
  exportTimeoutMillis: 15_000,
} as const;

/**
 * OTLP request bodies are gzipped unless `OTEL_EXPORTER_OTLP_(TRACES_)COMPRESSION=none`: about a tenth
 * of the bytes, compressed off the event loop (libuv thread pool); collectors and Jaeger accept it.
 */
export const OTLP_TRACES_COMPRESSION = 'gzip';
