import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  InMemorySpanExporter,
  SimpleSpanProcessor,
  TracerProvider,
  type Sampler,
} from '@opentelemetry/sdk-trace';

/**
 * For the enclosing `describe` (or file): a global tracer provider that keeps finished spans in memory,
 * with an async context manager, removed after the tests; the spans are cleared before each test.
 * Returns the exporter the tests read the spans from.
 */
export function useInMemoryTracing(options: { sampler?: Sampler } = {}): InMemorySpanExporter {
  const exporter = new InMemorySpanExporter();
  beforeAll(() => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    trace.setGlobalTracerProvider(
      new TracerProvider({
        ...(options.sampler && { sampler: options.sampler }),
        spanProcessors: [new SimpleSpanProcessor({ exporter })],
      }),
    );
  });
  afterAll(() => {
    trace.disable();
    context.disable();
  });
  beforeEach(() => exporter.reset());
  return exporter;
}
