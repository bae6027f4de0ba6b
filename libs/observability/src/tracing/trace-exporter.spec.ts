import { OTLPTraceExporter as OTLPJsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OTLPProtobufTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { traceExporter } from './start-tracing';

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
