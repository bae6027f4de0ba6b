import { OTLPTraceExporter as OTLPJsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OTLPProtobufTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { BATCH_SPAN_PROCESSOR_DEFAULTS } from './span-export.defaults';
import { batchSpanProcessorOptions, traceExporter } from './start-tracing';

describe('traceExporter (OTLP over HTTP, protocol from the standard variables)', () => {
  it('sends protobuf by default, as the OpenTelemetry specification says', () => {
    expect(traceExporter({})).toBeInstanceOf(OTLPProtobufTraceExporter);
    expect(traceExporter({ OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf' })).toBeInstanceOf(
      OTLPProtobufTraceExporter,
    );
  });

  it('sends JSON when asked, the traces-specific variable taking precedence', () => {
    expect(traceExporter({ OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' })).toBeInstanceOf(OTLPJsonTraceExporter);
    expect(
      traceExporter({
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/protobuf',
      }),
    ).toBeInstanceOf(OTLPProtobufTraceExporter);
  });
});

describe('batchSpanProcessorOptions (the standard OTEL_BSP_* variables)', () => {
  const exporter = traceExporter({});

  it('takes the queue, batch, delay and timeout from the environment', () => {
    expect(
      batchSpanProcessorOptions(exporter, {
        OTEL_BSP_MAX_QUEUE_SIZE: '8192',
        OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '1024',
        OTEL_BSP_SCHEDULE_DELAY: '200',
        OTEL_BSP_EXPORT_TIMEOUT: '10000',
      }),
    ).toEqual({
      exporter,
      maxQueueSize: 8192,
      maxExportBatchSize: 1024,
      scheduledDelayMillis: 200,
      exportTimeoutMillis: 10_000,
    });
  });

  it('leaves unset, empty or invalid values to the defaults sized for a busy service', () => {
    expect(
      batchSpanProcessorOptions(exporter, {
        OTEL_BSP_MAX_QUEUE_SIZE: '',
        OTEL_BSP_MAX_EXPORT_BATCH_SIZE: 'lots',
        OTEL_BSP_SCHEDULE_DELAY: '-5',
      }),
    ).toEqual({ exporter, ...BATCH_SPAN_PROCESSOR_DEFAULTS });
    expect(BATCH_SPAN_PROCESSOR_DEFAULTS).toEqual({
      maxQueueSize: 16_384,
      maxExportBatchSize: 1_024,
      scheduledDelayMillis: 1_000,
      exportTimeoutMillis: 15_000,
    });
  });
});
