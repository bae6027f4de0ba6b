import { context, propagation, trace, type TracerProvider as GlobalTracerProvider } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  InMemorySpanExporter,
  SimpleSpanProcessor,
  TracerProvider,
  type Sampler,
} from '@opentelemetry/sdk-trace';

export interface InMemoryTracingOptions {
  /** The provider's sampler; without one, the SDK's default. */
  sampler?: Sampler;
  /** Installs the W3C trace context propagator too (`traceparent` in headers and stored carriers). */
  propagation?: boolean;
  /** What is installed as the global provider, built around the in-memory one (a spying wrapper, say). */
  wrap?: (provider: TracerProvider) => GlobalTracerProvider;
}

/**
 * A tracer provider that keeps finished spans in memory (`exporter`), with an async context manager,
 * installed as the global one by `install()` and removed by `uninstall()`; `exporter.reset()` clears the
 * spans. For specs that put a provider of their own in its place for a while, or spy on its tracers.
 */
export function inMemoryTracing(options: InMemoryTracingOptions = {}) {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({
    ...(options.sampler && { sampler: options.sampler }),
    spanProcessors: [new SimpleSpanProcessor({ exporter })],
  });
  return {
    exporter,
    provider,
    install() {
      context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
      if (options.propagation) propagation.setGlobalPropagator(new W3CTraceContextPropagator());
      trace.setGlobalTracerProvider(options.wrap ? options.wrap(provider) : provider);
    },
    uninstall() {
      trace.disable();
      context.disable();
      if (options.propagation) propagation.disable();
    },
  };
}

/**
 * For the enclosing `describe` (or file): a global tracer provider that keeps finished spans in memory,
 * with an async context manager, removed after the tests; the spans are cleared before each test.
 * Returns the exporter the tests read the spans from.
 */
export function useInMemoryTracing(options: InMemoryTracingOptions = {}): InMemorySpanExporter {
  const tracing = inMemoryTracing(options);
  beforeAll(() => tracing.install());
  afterAll(() => tracing.uninstall());
  beforeEach(() => tracing.exporter.reset());
  return tracing.exporter;
}
