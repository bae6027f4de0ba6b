import { AuditLog, InjectMetric, type Counter } from '@app/observability';
import { PaymentDeclinedError, PaymentProviderUnavailableError, PaymentsService } from '@app/payments';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { OrderStatus } from '../../order-status';
import { ORDER_METRICS } from '../../orders.metrics';
import { OrdersRepository } from '../../orders.repository';
import { OrderProgress } from '../order-progress';
import { annotateOrder, ORDER_SPAN_ATTRIBUTES, PAYMENT_EVENTS, recordSpanEvent } from '../saga-tracing';
import { orderCancelled, SagaStepError } from '../saga-step.error';

const AFTER_PAYMENT: readonly OrderStatus[] = ['PAID', 'SHIPPED', 'COMPLETED'];

/**
 * INVENTORY_RESERVED → PAID: the provider charges the payment once (the same idempotency key on every
 * attempt), then the capture and the move are recorded in one transaction. A decline is final
 * (PAYMENT_DECLINED); an unavailable provider is worth another attempt. Compensation refunds a capture.
 */
@Injectable()
export class ChargePaymentStep {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly orders: OrdersRepository,
    private readonly payments: PaymentsService,
    private readonly progress: OrderProgress,
    private readonly audit: AuditLog,
    @InjectMetric(ORDER_METRICS.compensations) private readonly compensations: Counter<'step'>,
  ) {}

  async invoke(orderId: string): Promise<void> {
    const order = await this.orders.sagaOrder(orderId);
    annotateOrder(order);
    if (AFTER_PAYMENT.includes(order.status)) return;
    if (order.cancelRequestedAt) throw orderCancelled(orderId);
    const payment = await this.payments.paymentOf(orderId);
    let reference: string | undefined;
    if (payment.status !== 'CAPTURED' && payment.status !== 'REFUNDED') {
      try {
        reference = await this.payments.charge(payment);
      } catch (error) {
        throw this.chargeFailure(orderId, error);
      }
    }
    const refused = await this.dataSource.transaction(async (manager) => {
      if (reference) await this.payments.recordCapture(manager, orderId, reference);
      return this.progress.moveAfterEffect(manager, orderId, 'PAID');
    });
    if (reference) this.payments.countOutcome('captured');
    if (refused) throw refused;
    recordSpanEvent(PAYMENT_EVENTS.captured, () => ({ [ORDER_SPAN_ATTRIBUTES.total]: order.totalAmount }));
    this.audit.record('payment-captured', {
      'order.id': orderId,
      'order.total': order.totalAmount,
      'order.currency': order.currency,
    });
  }

  /** Refunds a captured payment and announces it; `true` when a refund was issued now. */
  async compensate(orderId: string): Promise<boolean> {
    const payment = await this.payments.findPayment(orderId);
    if (!payment) return false;
    try {
      if (!(await this.payments.refund(payment))) return false;
    } catch (error) {
      if (error instanceof PaymentProviderUnavailableError) {
        throw new SagaStepError('PAYMENT_PROVIDER_UNAVAILABLE', error.message);
      }
      throw error;
    }
    const recorded = await this.dataSource.transaction(async (manager) => {
      if (!(await this.payments.recordRefund(manager, orderId))) return false; // a concurrent call recorded it
      await this.progress.announce(manager, 'payment.refunded', orderId);
      return true;
    });
    if (!recorded) return false;
    this.payments.countOutcome('refunded');
    this.compensations.inc({ step: 'refundPayment' });
    this.audit.record('payment-refunded', { 'order.id': orderId });
    return true;
  }

  private chargeFailure(orderId: string, error: unknown): unknown {
    if (error instanceof PaymentDeclinedError) {
      recordSpanEvent(PAYMENT_EVENTS.declined, () => ({
        [ORDER_SPAN_ATTRIBUTES.declineCode]: error.declineCode,
      }));
      this.audit.record(
        'payment-declined',
        { 'order.id': orderId, 'payment.decline_code': error.declineCode },
        'failure',
      );
      return new SagaStepError('PAYMENT_DECLINED', error.message, true);
    }
    if (error instanceof PaymentProviderUnavailableError) {
      recordSpanEvent(PAYMENT_EVENTS.unavailable);
      return new SagaStepError('PAYMENT_PROVIDER_UNAVAILABLE', error.message);
    }
    return error;
  }
}
