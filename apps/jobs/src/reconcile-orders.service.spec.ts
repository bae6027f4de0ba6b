import { context, SpanStatusCode, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import type { OrdersRepository, WorkflowEngine } from '@app/orders';
import { ReconcileOrdersService } from './reconcile-orders.service';

describe('ReconcileOrdersService (in-memory span exporter, an in-memory repository and engine)', () => {
  const exporter = new InMemorySpanExporter();

  beforeAll(() => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    trace.setGlobalTracerProvider(
      new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] }),
    );
  });
  afterAll(() => {
    trace.disable();
    context.disable();
  });
  beforeEach(() => exporter.reset());

  /** Orders `a`, `b` and `c` are stuck; the engine finishes all but `c`. */
  function service() {
    const unfinished = new Set(['a', 'b', 'c']);
    const started: string[] = [];
    const orders = {
      unfinished: async (filter: { ids?: string[]; limit?: number }) =>
        [...unfinished].filter((id) => !filter.ids || filter.ids.includes(id)).slice(0, filter.limit),
    } as unknown as OrdersRepository;
    const engine = {
      start: async (id: string) => {
        started.push(id);
        if (id !== 'c') unfinished.delete(id);
      },
      whenIdle: async () => undefined,
    } as unknown as WorkflowEngine;
    return { reconcile: new ReconcileOrdersService(orders, engine), started };
  }

  it('hands every stuck order back to the engine and reports what is still unfinished', async () => {
    const { reconcile, started } = service();
    await expect(reconcile.run({ stuckAfterSeconds: 600, batchSize: 10 })).resolves.toEqual({
      examined: 3,
      resolved: 2,
      unresolved: 1,
      unresolvedOrderIds: ['c'],
    });
    expect(started).toEqual(['a', 'b', 'c']);
  });

  it('records one orders.reconcile span with its settings and its outcome', async () => {
    const { reconcile } = service();
    await reconcile.run({ stuckAfterSeconds: 600, batchSize: 2 });
    const spans = exporter.getFinishedSpans();
    expect(spans.map((span) => span.name)).toEqual(['orders.reconcile']);
    expect(spans[0].status.code).not.toBe(SpanStatusCode.ERROR);
    expect(spans[0].attributes).toEqual({
      'reconciliation.stuck_after_seconds': 600,
      'reconciliation.batch_size': 2,
      'reconciliation.examined': 2,
      'reconciliation.resolved': 2,
      'reconciliation.unresolved': 0,
    });
  });
});
