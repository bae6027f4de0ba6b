import { Span } from '@app/observability';
import { OrdersRepository, toRun, WORKFLOW_ENGINE, type WorkflowEngine } from '@app/orders';
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
 * back to the workflow engine to resume from its recorded state: Temporal starts a new run when the
 * workflow is closed or gone (a running one is left alone); the inline engine runs the saga here. The
 * steps the order completed are not run again, and the others are idempotent. Whatever is still
 * unfinished is reported.
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
    // The operators' list of stuck orders (GET /admin/orders/stuck) is this same query.
    const stuck = await this.orders.unfinished({
      unchangedSince: new Date(Date.now() - options.stuckAfterSeconds * 1000),
      limit: options.batchSize,
    });
    for (const order of stuck) {
      try {
        await this.engine.resume(toRun(order));
      } catch (error) {
        this.logger.warn(`could not resume order ${order.id}: ${String(error)}`);
      }
    }
    await this.engine.whenIdle(); // sagas this process runs itself (inline engine) finish before the report

    const ids = stuck.map((order) => order.id);
    const unresolvedOrderIds =
      ids.length === 0 ? [] : (await this.orders.unfinished({ ids })).map((order) => order.id);
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
