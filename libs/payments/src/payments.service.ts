import { InjectMetric, type Counter } from '@app/observability';
import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { summarizeCard, type CardDetails } from './card';
import { PAYMENT_PROVIDER, type PaymentProvider } from './payment-provider.port';
import { PAYMENT_METRICS, type PaymentOutcome } from './payments.metrics';
import {
  PaymentDeclinedError,
  PaymentNotFoundError,
  PaymentProviderUnavailableError,
} from './payments.errors';
import { PaymentsRepository, type OrderPayment } from './payments.repository';

export interface PaymentToPrepare {
  orderId: string;
  card: CardDetails;
  amount: number;
  currency: string;
}

/**
 * Card payments: the provider's calls and the payment's record. A charge is decided by the provider once
 * per order (the same idempotency key every time): captured stays captured, a decline is final, an
 * unavailable provider is worth another try. Recording a capture or a refund happens in the caller's
 * transaction, beside the caller's own change; `payments_processed_total` counts it once that committed.
 */
@Injectable()
export class PaymentsService {
  constructor(
    private readonly repository: PaymentsRepository,
    @Inject(PAYMENT_PROVIDER) private readonly provider: PaymentProvider,
    @InjectMetric(PAYMENT_METRICS.processed) private readonly processed: Counter<'status'>,
  ) {}

  /** Counts a provider outcome; captures and refunds only once their record has committed. */
  countOutcome(outcome: PaymentOutcome): void {
    this.processed.inc({ status: outcome });
  }

  /** Tokenizes the card; the card details are dropped here and only the token and summary go on. */
  async tokenize(card: CardDetails): Promise<string> {
    return this.provider.tokenize(card);
  }

  /** Records the pending payment of a new order inside the order's transaction. */
  async recordPending(
    manager: EntityManager,
    payment: PaymentToPrepare,
    paymentToken: string,
  ): Promise<void> {
    await this.repository.insertPending(manager, {
      orderId: payment.orderId,
      card: summarizeCard(payment.card),
      paymentToken,
      amount: payment.amount,
      currency: payment.currency,
    });
  }

  /** The order's payment; throws PaymentNotFoundError when the order has none. */
  async paymentOf(orderId: string): Promise<OrderPayment> {
    const payment = await this.findPayment(orderId);
    if (!payment) throw new PaymentNotFoundError(orderId);
    return payment;
  }

  async findPayment(orderId: string): Promise<OrderPayment | null> {
    return this.repository.ofOrder(orderId);
  }

  /**
   * Asks the provider to charge a payment that is not captured yet and resolves with its reference. A
   * decline is recorded and thrown (again, for a payment declined earlier); an unavailable provider is thrown.
   */
  async charge(payment: OrderPayment): Promise<string> {
    if (payment.status === 'DECLINED') throw new PaymentDeclinedError(payment.declineCode ?? 'declined');
    try {
      const { reference } = await this.provider.charge({
        idempotencyKey: `order-${payment.orderId}`,
        paymentToken: payment.paymentToken,
        amount: payment.amount,
        currency: payment.currency,
        orderId: payment.orderId,
      });
      return reference;
    } catch (error) {
      if (error instanceof PaymentDeclinedError) {
        await this.repository.markDeclined(payment.orderId, error.declineCode);
        this.countOutcome('declined');
      }
      if (error instanceof PaymentProviderUnavailableError) this.countOutcome('provider_unavailable');
      throw error;
    }
  }

  async recordCapture(manager: EntityManager, orderId: string, providerReference: string): Promise<void> {
    await this.repository.markCaptured(manager, orderId, providerReference);
  }

  /**
   * Asks the provider to refund a captured payment (idempotent); false when there is nothing to refund.
   * The caller then records the refund (`recordRefund`).
   */
  async refund(payment: OrderPayment): Promise<boolean> {
    if (payment.status !== 'CAPTURED' || !payment.providerReference) return false;
    try {
      await this.provider.refund({
        idempotencyKey: `refund-${payment.orderId}`,
        chargeReference: payment.providerReference,
        amount: payment.amount,
        currency: payment.currency,
        orderId: payment.orderId,
      });
      return true;
    } catch (error) {
      if (error instanceof PaymentProviderUnavailableError) this.countOutcome('provider_unavailable');
      throw error;
    }
  }

  /** False when a concurrent refund recorded it first. */
  async recordRefund(manager: EntityManager, orderId: string): Promise<boolean> {
    return this.repository.markRefunded(manager, orderId);
  }
}
