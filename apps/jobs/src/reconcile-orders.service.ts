import { Span } from '@app/observability';
import { OrdersRepository, WORKFLOW_ENGINE, type WorkflowEngine } from '@app/orders';
import { Inject, Injectable, Logger } from '@nestjs/common';

export interface ReconciliationOptions {
  stuckAfterSeconds: number;
  batchSize: number;
}

export interface ReconciliationResult {
  examined: number;
  /** Reached a final state during this run. */
  resolved: number;
  /** Still unfinished after the run: reported for a human (ids in the log). */
  unresolved: number;
  unresolvedOrderIds: string[];
}

/**
 * Finds orders that stopped moving (not final, untouched for longer than the threshold) and hands each
 * back to the workflow engine: Temporal starts the workflow if none runs (the id is derived from the
 * order, so a running one is left alone); the inline engine runs the saga here. Activities are
 * idempotent, so resuming from the first step is safe. Whatever is still unfinished is reported.
 */
@Injectable()
export class ReconcileOrdersService {
  private readonly logger = new Logger(ReconcileOrdersService.name);

  constructor(
    private readonly orders: OrdersRepository,
    @Inject(WORKFLOW_ENGINE) private readonly engine: WorkflowEngine,
  ) {}

  /** One span per run (`orders.reconcile`): its settings, and how many orders it examined and resolved. */
  @Span('orders.reconcile', (options: ReconciliationOptions) => ({
    attributes: {
      'reconciliation.stuck_after_seconds': options.stuckAfterSeconds,
      'reconciliation.batch_size': options.batchSize,
    },
    onResult: (result: ReconciliationResult) => ({
      attributes: {
        'reconciliation.examined': result.examined,
        'reconciliation.resolved': result.resolved,
        'reconciliation.unresolved': result.unresolved,
      },
    }),
  }))
  async run(options: ReconciliationOptions): Promise<ReconciliationResult> {
    const ids = await this.orders.unfinished({
      unchangedSince: new Date(Date.now() - options.stuckAfterSeconds * 1000),
      limit: options.batchSize,
    });
    for (const id of ids) {
      try {
        await this.engine.start(id);
      } catch (error) {
        this.logger.warn(`could not resume order ${id}: ${String(error)}`);
      }
    }
    await this.engine.whenIdle(); // sagas this process runs itself (inline engine) finish before the report

    const unresolvedOrderIds = ids.length === 0 ? [] : await this.orders.unfinished({ ids });
    for (const id of unresolvedOrderIds)
      this.logger.warn({ message: 'order still unfinished after reconciliation', 'order.id': id });
    return {
      examined: ids.length,
      resolved: ids.length - unresolvedOrderIds.length,
      unresolved: unresolvedOrderIds.length,
      unresolvedOrderIds,
    };
  }
}
