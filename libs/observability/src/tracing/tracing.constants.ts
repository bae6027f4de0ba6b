/** The instrumentation scope of the spans this library creates. */
export const TRACER_NAME = '@app/observability';

/** Attributes of the controller handler span (the keys the OpenTelemetry Nest instrumentation uses). */
export const HANDLER_SPAN_ATTRIBUTES = {
  type: 'nestjs.type',
  controller: 'nestjs.controller',
  callback: 'nestjs.callback',
} as const;
