import { SpanStatusCode } from '@opentelemetry/api';
import type { OrdersRepository, OrderToRun, WorkflowEngine } from '@app/orders';
import { ReconcileOrdersService } from './reconcile-orders.service';
import { useInMemoryTracing } from '../../../test/support/in-memory-tracing';

describe('ReconcileOrdersService (in-memory span exporter, an in-memory repository and engine)', () => {
  const exporter = useInMemoryTracing();

  /** Orders `a`, `b` and `c` are stuck in PAID; the engine finishes all but `c`. */
  function service() {
    const unfinished = new Set(['a', 'b', 'c']);
    const resumed: OrderToRun[] = [];
    const row = (id: string) => ({
      id,
      customerId: `customer-${id}`,
      status: 'PAID',
      currency: 'EUR',
      total: 1200,
      failureReason: null,
      createdAt: '2026-12-05T09:00:00.000Z',
      updatedAt: '2026-12-05T09:30:00.000Z',
      cancellationRequested: false,
    });
    const orders = {
      unfinished: async (filter: { ids?: string[]; limit?: number }) =>
        [...unfinished]
          .filter((id) => !filter.ids || filter.ids.includes(id))
          .slice(0, filter.limit)
          .map(row),
    } as unknown as OrdersRepository;
    const engine = {
      resume: async (order: OrderToRun) => {
        resumed.push(order);
        if (order.id !== 'c') unfinished.delete(order.id);
        return 'started';
      },
      whenIdle: async () => undefined,
    } as unknown as WorkflowEngine;
    return { reconcile: new ReconcileOrdersService(orders, engine), resumed };
  }

  it('resumes every stuck order from its recorded state and reports what is still unfinished', async () => {
    const { reconcile, resumed } = service();
    await expect(reconcile.run({ stuckAfterSeconds: 600, batchSize: 10 })).resolves.toEqual({
      examined: 3,
      resolved: 2,
      unresolved: 1,
      unresolvedOrderIds: ['c'],
    });
    // Each from its recorded state, with what the workflow's search attributes need.
    expect(resumed.map((order) => order.id)).toEqual(['a', 'b', 'c']);
    expect(resumed[0]).toEqual({
      id: 'a',
      customerId: 'customer-a',
      total: 1200,
      status: 'PAID',
      statusChangedAt: new Date('2026-12-05T09:30:00.000Z'),
    });
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
