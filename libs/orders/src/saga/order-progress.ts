import { AuditLog, InjectMetric, type Histogram } from '@app/observability';
import { WebhookOutbox, type WebhookEventType } from '@app/webhooks';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { OrderStatus } from '../order-status';
import { WEBHOOK_EVENT_OF_STATUS } from '../order-webhook-events';
import { IllegalOrderTransitionError } from '../orders.errors';
import { ORDER_METRICS } from '../orders.metrics';
import { OrdersRepository, type TransitionResult } from '../orders.repository';

/** How an order ended, as the processing histogram and the audit log name it. */
export type OrderOutcome = 'COMPLETED' | 'FAILED' | 'CANCELLED';

/**
 * An order's progress as the saga steps make it: a status change and the webhook event it announces are
 * written in the caller's transaction (the outbox), so both are stored or neither; the event carries the
 * order's view as that change left it.
 */
@Injectable()
export class OrderProgress {
  constructor(
    private readonly orders: OrdersRepository,
    private readonly outbox: WebhookOutbox,
    private readonly audit: AuditLog,
    @InjectMetric(ORDER_METRICS.processing) private readonly processing: Histogram<'outcome'>,
  ) {}

  /** Moves the order and, when it moved, writes the event its new status announces. */
  async move(
    manager: EntityManager,
    orderId: string,
    to: OrderStatus,
    reason: string | null = null,
  ): Promise<TransitionResult> {
    const result = await this.orders.transition(manager, orderId, to, reason);
    const event = WEBHOOK_EVENT_OF_STATUS[to];
    if (result.moved && event) await this.announce(manager, event, orderId);
    return result;
  }

  /**
   * The move that goes with an effect already made outside the database (a capture, a booking): a move
   * the order can no longer make (it was failed or cancelled meanwhile) must not roll the effect's record
   * back, which compensation has to see. The refusal is returned, for the caller to throw after commit.
   */
  async moveAfterEffect(
    manager: EntityManager,
    orderId: string,
    to: OrderStatus,
  ): Promise<IllegalOrderTransitionError | undefined> {
    try {
      await this.move(manager, orderId, to);
      return undefined;
    } catch (error) {
      if (error instanceof IllegalOrderTransitionError) return error;
      throw error;
    }
  }

  /** Writes an event about the order, carrying its view as the caller's transaction sees it. */
  async announce(manager: EntityManager, type: WebhookEventType, orderId: string): Promise<void> {
    const payload = await this.orders.view(orderId, undefined, manager);
    await this.outbox.enqueue(manager, { type, orderId, payload });
  }

  /** Time from creation to the final state, counted once even when the step is repeated. */
  finished(outcome: OrderOutcome, result: TransitionResult, orderId: string, reason?: string): void {
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
}
