import { returningRows } from '@app/database';
import { AuditLog, InjectMetric, type Counter, type Histogram } from '@app/observability';
import { InsufficientStockError, InventoryService } from '@app/inventory';
import { ORDER_CANCELLED_FAILURE, type FailureReason, type OrderSagaActivities } from '@app/order-saga';
import { PaymentDeclinedError, PaymentProviderUnavailableError, PaymentsService } from '@app/payments';
import { CarrierUnavailableError, ShippingService, type ShippingAddress } from '@app/shipping';
import { WebhookOutbox } from '@app/webhooks';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import type { OrderEntity } from '../entities';
import { transitionOrder, type TransitionResult } from '../order-transitions';
import { WEBHOOK_EVENT_OF_STATUS } from '../order-webhook-events';
import { IllegalOrderTransitionError, OrderNotFoundError } from '../orders.errors';
import { ORDER_METRICS } from '../orders.metrics';
import { SagaStepError } from './saga-step.error';
import {
  annotateOrder,
  ORDER_SPAN_ATTRIBUTES,
  PAYMENT_EVENTS,
  recordFailureReason,
  recordSpanEvent,
} from './saga-tracing';
import type { OrderStatus } from '../order-status';

const AFTER_RESERVATION: readonly OrderStatus[] = ['INVENTORY_RESERVED', 'PAID', 'SHIPPED', 'COMPLETED'];
const AFTER_PAYMENT: readonly OrderStatus[] = ['PAID', 'SHIPPED', 'COMPLETED'];
const AFTER_SHIPPING: readonly OrderStatus[] = ['SHIPPED', 'COMPLETED'];

/**
 * The saga's activities as a Nest provider, shared by the Temporal worker and the inline engine.
 * Each one is idempotent per order and turns domain errors into failures the saga understands:
 * final ones (declines, no stock, cancelled) are non-retryable, provider hiccups are retryable.
 */
@Injectable()
export class OrderSagaActivitiesService implements OrderSagaActivities {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly inventory: InventoryService,
    private readonly payments: PaymentsService,
    private readonly shipping: ShippingService,
    @InjectMetric(ORDER_METRICS.compensations) private readonly compensations: Counter<'step'>,
    @InjectMetric(ORDER_METRICS.processing) private readonly processing: Histogram<'outcome'>,
    @InjectMetric(ORDER_METRICS.errors) private readonly errors: Counter<'reason'>,
    private readonly audit: AuditLog,
    private readonly outbox: WebhookOutbox,
  ) {}

  /**
   * Moves the order in the caller's transaction and, when it moved, writes the webhook event the new status
   * announces in that same transaction (the outbox): both are stored or neither.
   */
  private readonly transition: Transition = async (manager, orderId, to, reason = null) => {
    const result = await transitionOrder(manager, orderId, to, reason);
    const event = WEBHOOK_EVENT_OF_STATUS[to];
    if (result.moved && event) await this.outbox.record(manager, event, orderId);
    return result;
  };

  async reserveInventory(orderId: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const order = await this.lockOrder(manager, orderId);
      annotateOrder(order);
      if (AFTER_RESERVATION.includes(order.status)) return;
      if (order.cancelRequestedAt) throw cancelled(orderId);
      const lines: Array<{ sku: string; quantity: number }> = await manager.query(SAGA_STEP_SQL.lines, [
        orderId,
      ]);
      try {
        await this.inventory.reserveForOrder(manager, orderId, lines);
      } catch (error) {
        if (error instanceof InsufficientStockError) {
          throw new SagaStepError('OUT_OF_STOCK', error.message, true);
        }
        throw error;
      }
      await this.transition(manager, orderId, 'INVENTORY_RESERVED');
    });
  }

  async releaseInventory(orderId: string): Promise<boolean> {
    const released = await this.dataSource.transaction((manager) =>
      this.inventory.releaseForOrder(manager, orderId),
    );
    if (released) this.compensations.inc({ step: 'releaseInventory' });
    return released;
  }

  async chargePayment(orderId: string): Promise<void> {
    const order = await this.readOrder(orderId);
    annotateOrder(order);
    if (AFTER_PAYMENT.includes(order.status)) return;
    if (order.cancelRequestedAt) throw cancelled(orderId);
    try {
      // The capture and the move to PAID are one transaction.
      const paid = moveWithEffect(orderId, 'PAID', this.transition);
      await this.payments.capture(orderId, paid.record);
      paid.check();
      recordSpanEvent(PAYMENT_EVENTS.captured, { [ORDER_SPAN_ATTRIBUTES.total]: order.totalAmount });
      this.audit.record('payment-captured', {
        'order.id': orderId,
        'order.total': order.totalAmount,
        'order.currency': order.currency,
      });
    } catch (error) {
      if (error instanceof PaymentDeclinedError) {
        recordSpanEvent(PAYMENT_EVENTS.declined, { [ORDER_SPAN_ATTRIBUTES.declineCode]: error.declineCode });
        this.audit.record(
          'payment-declined',
          { 'order.id': orderId, 'payment.decline_code': error.declineCode },
          'failure',
        );
        throw new SagaStepError('PAYMENT_DECLINED', error.message, true);
      }
      if (error instanceof PaymentProviderUnavailableError) {
        recordSpanEvent(PAYMENT_EVENTS.unavailable);
        throw new SagaStepError('PAYMENT_PROVIDER_UNAVAILABLE', error.message);
      }
      throw error;
    }
  }

  async refundPayment(orderId: string): Promise<boolean> {
    try {
      // The refund is recorded with its payment.refunded event, in one transaction.
      const refunded = await this.payments.refund(orderId, (manager) =>
        this.outbox.record(manager, 'payment.refunded', orderId),
      );
      if (refunded) {
        this.compensations.inc({ step: 'refundPayment' });
        this.audit.record('payment-refunded', { 'order.id': orderId });
      }
      return refunded;
    } catch (error) {
      if (error instanceof PaymentProviderUnavailableError) {
        throw new SagaStepError('PAYMENT_PROVIDER_UNAVAILABLE', error.message);
      }
      throw error;
    }
  }

  async arrangeShipping(orderId: string): Promise<void> {
    const { order, parcels } = await this.claimForShipping(orderId);
    annotateOrder(order);
    if (AFTER_SHIPPING.includes(order.status)) return;
    // The booking and the move to SHIPPED are one transaction.
    const shipped = moveWithEffect(orderId, 'SHIPPED', this.transition);
    try {
      await this.shipping.arrangeForOrder(
        orderId,
        { address: order.shippingAddress, parcels },
        shipped.record,
      );
    } catch (error) {
      if (error instanceof CarrierUnavailableError) {
        throw new SagaStepError('SHIPPING_FAILED', error.message);
      }
      throw error;
    }
    shipped.check();
  }

  async completeOrder(orderId: string): Promise<void> {
    this.finished(
      'COMPLETED',
      await this.dataSource.transaction((m) => this.transition(m, orderId, 'COMPLETED')),
      orderId,
    );
  }

  async failOrder(orderId: string, reason: FailureReason): Promise<void> {
    recordFailureReason(reason);
    const result = await this.dataSource.transaction((m) => this.transition(m, orderId, 'FAILED', reason));
    if (result.moved) this.errors.inc({ reason });
    this.finished('FAILED', result, orderId, reason);
  }

  async cancelOrder(orderId: string): Promise<void> {
    const result = await this.dataSource.transaction((m) =>
      this.transition(m, orderId, 'CANCELLED', 'CANCELLED_BY_CUSTOMER'),
    );
    this.finished('CANCELLED', result, orderId);
  }

  /**
   * Marks the order as being shipped unless a cancellation got there first (the same row is updated by a
   * cancellation request, so PostgreSQL's row lock decides which of the two wins), and reads what the
   * booking needs, in one statement: the main query sees the order as it was before the claim.
   */
  private async claimForShipping(orderId: string): Promise<ShippingClaim> {
    const [row] = await returningRows<ClaimRow>(
      this.dataSource,
      `WITH claimed AS (
         UPDATE orders SET shipping_claimed_at = COALESCE(shipping_claimed_at, now()), updated_at = now()
          WHERE id = $1 AND status = 'PAID' AND cancel_requested_at IS NULL
          RETURNING id)
       SELECT o.id, o.status, o.currency, o.total_amount, o.shipping_address, o.cancel_requested_at,
              EXISTS (SELECT 1 FROM claimed) AS claimed,
              COALESCE((SELECT json_agg(json_build_object('sku', l.sku, 'quantity', l.quantity) ORDER BY l.line_no)
                          FROM order_lines l WHERE l.order_id = o.id), '[]'::json) AS parcels
         FROM orders o WHERE o.id = $1`,
      [orderId],
    );
    if (!row) throw new OrderNotFoundError(orderId);
    const status = row.status;
    if (!row.claimed && !AFTER_SHIPPING.includes(status)) {
      if (row.cancel_requested_at) throw cancelled(orderId);
      throw new SagaStepError('ILLEGAL_TRANSITION', `order ${orderId} is ${status}, not PAID`, true);
    }
    return {
      order: {
        id: row.id,
        status,
        currency: row.currency,
        totalAmount: Number(row.total_amount),
        shippingAddress: row.shipping_address,
      },
      parcels: row.parcels,
    };
  }

  /** Time from creation to the final state, counted once even when the activity is repeated. */
  private finished(
    outcome: 'COMPLETED' | 'FAILED' | 'CANCELLED',
    result: TransitionResult,
    orderId: string,
    reason?: string,
  ): void {
    if (!result.moved) return;
    const seconds = (Date.now() - result.createdAt.getTime()) / 1000;
    this.processing.observe({ outcome }, seconds);
    this.audit.record(
      `order-${outcome.toLowerCase()}`,
      {
        'order.id': orderId,
        'order.processing_seconds': seconds,
        ...(reason ? { 'order.failure_reason': reason } : {}),
      },
      outcome === 'FAILED' ? 'failure' : 'success',
    );
  }

  private async readOrder(orderId: string): Promise<SagaOrder> {
    return sagaOrder(orderId, await this.dataSource.query(SAGA_STEP_SQL.order, [orderId]));
  }

  private async lockOrder(manager: EntityManager, orderId: string): Promise<SagaOrder> {
    return sagaOrder(orderId, await manager.query(SAGA_STEP_SQL.lockedOrder, [orderId]));
  }
}

/**
 * What the steps read, written out like the status changes (`TRANSITION_SQL`): building these with
 * TypeORM's query builder cost more CPU per order than the statements (BENCHMARKS.md, order placement).
 * `benchmarks/order-placement.pgbench.sql` runs the same text.
 */
const SAGA_ORDER_SQL =
  'SELECT id, status, currency, total_amount, cancel_requested_at FROM orders WHERE id = $1';
export const SAGA_STEP_SQL = {
  order: SAGA_ORDER_SQL,
  lockedOrder: `${SAGA_ORDER_SQL} FOR UPDATE`,
  lines: 'SELECT sku, quantity FROM order_lines WHERE order_id = $1 ORDER BY line_no',
} as const;

/** The order as a saga step sees it. */
type SagaOrder = Pick<OrderEntity, 'id' | 'status' | 'currency' | 'totalAmount' | 'cancelRequestedAt'>;

function sagaOrder(
  orderId: string,
  [row]: Array<{
    id: string;
    status: OrderStatus;
    currency: string;
    total_amount: string;
    cancel_requested_at: Date | null;
  }>,
): SagaOrder {
  if (!row) throw new OrderNotFoundError(orderId);
  return {
    id: row.id,
    status: row.status,
    currency: row.currency,
    totalAmount: Number(row.total_amount),
    cancelRequestedAt: row.cancel_requested_at,
  };
}

type Transition = (
  manager: EntityManager,
  orderId: string,
  to: OrderStatus,
  reason?: string | null,
) => Promise<TransitionResult>;

interface ClaimRow {
  id: string;
  status: OrderStatus;
  currency: string;
  total_amount: string;
  shipping_address: ShippingAddress;
  cancel_requested_at: Date | null;
  claimed: boolean;
  parcels: Array<{ sku: string; quantity: number }>;
}

interface ShippingClaim {
  order: Pick<OrderEntity, 'id' | 'status' | 'currency' | 'totalAmount' | 'shippingAddress'>;
  parcels: Array<{ sku: string; quantity: number }>;
}

/**
 * The order's status change, recorded in the transaction of a step's effect (a capture, a booking). A
 * move the order can no longer make (it was failed or cancelled meanwhile) must not undo the effect,
 * which compensation has to see: it is reported by `check()` after the transaction committed.
 */
function moveWithEffect(orderId: string, to: OrderStatus, transition: Transition) {
  let refused: IllegalOrderTransitionError | undefined;
  return {
    record: async (manager: EntityManager): Promise<void> => {
      try {
        await transition(manager, orderId, to);
      } catch (error) {
        if (!(error instanceof IllegalOrderTransitionError)) throw error;
        refused = error;
      }
    },
    check: (): void => {
      if (refused) throw refused;
    },
  };
}

function cancelled(orderId: string): SagaStepError {
  return new SagaStepError(ORDER_CANCELLED_FAILURE, `order ${orderId} was cancelled`, true);
}
