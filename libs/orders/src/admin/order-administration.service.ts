import type { KeysetPage } from '@app/database';
import { AuditLog } from '@app/observability';
import { Inject, Injectable } from '@nestjs/common';
import {
  WORKFLOW_ENGINE,
  type ResumeOutcome,
  type SagaExecution,
  type WorkflowEngine,
} from '../engine/workflow-engine.port';
import { TERMINAL_STATUSES, type OrderStatus } from '../order-status';
import type { OrderSummaryView, OrderView } from '../order.view';
import { OrderAlreadyFinishedError, OrderNotCancellableError, OrderNotFoundError } from '../orders.errors';
import {
  OrdersRepository,
  toRun,
  type OrderSearch,
  type SagaStepRecord,
  type UnfinishedOrder,
} from '../orders.repository';

/** Any customer's order as an operator reads it: the customer's view and how its saga went. */
export interface OperatorOrderView extends OrderView {
  /** Every saga step the order went through, with its attempts, last error and timing. */
  steps: SagaStepRecord[];
  /** The trace of the request that placed the order, when it was sampled. */
  traceId: string | null;
  workflow: SagaExecution;
}

/** An order that has not changed state for longer than asked, with the step it is in. */
export interface StuckOrder extends UnfinishedOrder {
  /** The saga step that moves the order on from its status. */
  currentStep: string;
  /** What that step waits for. */
  waitingFor: string;
  /**
   * That step's record in the step log, when it was attempted (for a cancellation, the compensation
   * activity attempted last). The log is written just after each attempt returns.
   */
  lastAttempt: SagaStepRecord | null;
}

/** The step that moves an order on from each unfinished status, and what that step needs. */
const NEXT_STEP: Record<string, { step: string; waitingFor: string }> = {
  PENDING: { step: 'reserveInventory', waitingFor: 'the stock reservation (database)' },
  INVENTORY_RESERVED: { step: 'chargePayment', waitingFor: 'the payment provider' },
  PAID: { step: 'arrangeShipping', waitingFor: 'the carrier' },
  SHIPPED: { step: 'completeOrder', waitingFor: 'the order to be completed (database)' },
};

/**
 * What operators do to any customer's order: find it, read it with its saga, cancel it for the customer,
 * list the orders that stopped moving and drive them again. Each action on an order is an audit event
 * naming the operator (`user.id`); reading an order, which shows personal data, is one too.
 */
@Injectable()
export class OrderAdministration {
  constructor(
    private readonly orders: OrdersRepository,
    @Inject(WORKFLOW_ENGINE) private readonly engine: WorkflowEngine,
    private readonly audit: AuditLog,
  ) {}

  search(query: OrderSearch): Promise<KeysetPage<OrderSummaryView>> {
    return this.orders.search(query);
  }

  async details(orderId: string, operator: string): Promise<OperatorOrderView> {
    const details = await this.orders.operatorDetails(orderId);
    if (!details) throw new OrderNotFoundError(orderId);
    const [view, workflow] = await Promise.all([this.orders.view(orderId), this.engine.describe(orderId)]);
    this.audit.record('order-viewed-by-operator', {
      'order.id': orderId,
      'customer.id': view.customerId,
      'user.id': operator,
    });
    return { ...view, steps: details.steps, traceId: details.traceId, workflow };
  }

  /** The customer's cancellation, requested by an operator: the same rules, and the reason in the audit. */
  async cancel(orderId: string, operator: string, reason: string): Promise<OrderView> {
    if (!(await this.orders.requestCancellation(orderId, null))) {
      const status = await this.orders.statusOf(orderId, null);
      if (!status) throw new OrderNotFoundError(orderId);
      if (status === 'CANCELLED') return this.orders.view(orderId);
      throw new OrderNotCancellableError(orderId, status);
    }
    const order = await this.orders.view(orderId);
    this.audit.record('order-cancellation-requested', {
      'order.id': orderId,
      'customer.id': order.customerId,
      'user.id': operator,
      'event.reason': reason,
    });
    await this.engine.requestCancellation(orderId);
    return order;
  }

  /**
   * Unfinished orders whose state has not changed for `olderThanSeconds`, least recently changed first:
   * the same query the reconciliation job selects its orders with.
   */
  async stuck(olderThanSeconds: number, limit: number): Promise<StuckOrder[]> {
    const orders = await this.orders.unfinished({
      unchangedSince: new Date(Date.now() - olderThanSeconds * 1000),
      limit,
    });
    const steps = await this.orders.stepsOf(orders.map((order) => order.id));
    return orders.map((order) => {
      const next = order.cancellationRequested
        ? { step: 'compensation', waitingFor: 'the cancellation to be compensated' }
        : NEXT_STEP[order.status];
      const records = steps.get(order.id) ?? [];
      return {
        ...order,
        currentStep: next.step,
        waitingFor: next.waitingFor,
        // Compensation runs several activities: the one attempted last is where it waits.
        lastAttempt: order.cancellationRequested
          ? (records.toSorted((a, b) => b.lastStartedAt.localeCompare(a.lastStartedAt))[0] ?? null)
          : (records.find((record) => record.step === next.step) ?? null),
      };
    });
  }

  /** Drives an unfinished order again from its recorded state; a finished one is refused. */
  async resume(orderId: string, operator: string): Promise<{ order: OrderView; outcome: ResumeOutcome }> {
    const order = await this.orders.view(orderId);
    if (isTerminal(order.status)) throw new OrderAlreadyFinishedError(orderId, order.status);
    const outcome = await this.engine.resume(toRun(order));
    this.audit.record('order-resumed', {
      'order.id': orderId,
      'customer.id': order.customerId,
      'user.id': operator,
      'order.status': order.status,
      'saga.resume_outcome': outcome,
    });
    return { order, outcome };
  }
}

function isTerminal(status: OrderStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}
