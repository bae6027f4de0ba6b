import { NON_TERMINAL_STATUSES, OrderEntity, WORKFLOW_ENGINE, type WorkflowEngine } from '@app/orders';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { In, LessThan, type DataSource } from 'typeorm';

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
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(WORKFLOW_ENGINE) private readonly engine: WorkflowEngine,
  ) {}

  async run(options: { stuckAfterSeconds: number; batchSize: number }): Promise<ReconciliationResult> {
    const orders = this.dataSource.getRepository(OrderEntity);
    const stuck = await orders.find({
      where: {
        status: In([...NON_TERMINAL_STATUSES]),
        updatedAt: LessThan(new Date(Date.now() - options.stuckAfterSeconds * 1000)),
      },
      select: { id: true, status: true },
      order: { createdAt: 'ASC' },
      take: options.batchSize,
    });
    for (const order of stuck) {
      try {
        await this.engine.start(order.id);
      } catch (error) {
        this.logger.warn(`could not resume order ${order.id}: ${String(error)}`);
      }
    }
    await this.engine.whenIdle(); // sagas this process runs itself (inline engine) finish before the report

    const ids = stuck.map((o) => o.id);
    const still =
      ids.length === 0
        ? []
        : await orders.find({
            where: { id: In(ids), status: In([...NON_TERMINAL_STATUSES]) },
            select: { id: true },
          });
    const unresolvedOrderIds = still.map((o) => o.id);
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
