import { InjectMetric, type Counter } from '@app/observability';
import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { EntityManager, Repository } from 'typeorm';
import { summarizeCard, type CardDetails } from './card';
import { PaymentEntity } from './payment.entity';
import { PAYMENT_PROVIDER, type PaymentProvider } from './payment-provider.port';
import { PAYMENT_METRICS, type PaymentOutcome } from './payments.metrics';
import {
  PaymentDeclinedError,
  PaymentNotFoundError,
  PaymentProviderUnavailableError,
} from './payments.errors';

export interface PaymentToPrepare {
  orderId: string;
  card: CardDetails;
  amount: number;
  currency: string;
}

@Injectable()
export class PaymentsService {
  constructor(
    @InjectRepository(PaymentEntity) private readonly payments: Repository<PaymentEntity>,
    @Inject(PAYMENT_PROVIDER) private readonly provider: PaymentProvider,
    @InjectMetric(PAYMENT_METRICS.processed) private readonly processed: Counter<'status'>,
  ) {}

  private count(status: PaymentOutcome): void {
    this.processed.inc({ status });
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
    const summary = summarizeCard(payment.card);
    await manager.insert(PaymentEntity, {
      orderId: payment.orderId,
      method: 'card',
      cardBrand: summary.brand,
      cardLast4: summary.last4,
      expiryMonth: summary.expiryMonth,
      expiryYear: summary.expiryYear,
      paymentToken,
      amount: payment.amount,
      currency: payment.currency,
      status: 'PENDING',
    });
  }

  async findForOrder(orderId: string): Promise<PaymentEntity | null> {
    return this.payments.findOneBy({ orderId });
  }

  /**
   * Captures the order's payment once. A repeated call returns the recorded outcome: captured stays
   * captured, a decline is thrown again, and the provider sees the same idempotency key. `alongside`
   * runs in the transaction that records the capture (the caller's own change, e.g. the order's status),
   * so both are stored or neither; it also runs when the capture was recorded earlier (it must be idempotent).
   */
  async capture(
    orderId: string,
    alongside?: (manager: EntityManager) => Promise<unknown>,
  ): Promise<PaymentEntity> {
    const payment = await this.payments.findOne({
      where: { orderId },
      select: {
        orderId: true,
        paymentToken: true,
        amount: true,
        currency: true,
        status: true,
        declineCode: true,
      },
    });
    if (!payment) throw new PaymentNotFoundError(orderId);
    if (payment.status === 'CAPTURED' || payment.status === 'REFUNDED') {
      if (alongside) await this.payments.manager.transaction(alongside);
      return payment;
    }
    if (payment.status === 'DECLINED') throw new PaymentDeclinedError(payment.declineCode ?? 'declined');
    try {
      const { reference } = await this.provider.charge({
        idempotencyKey: `order-${orderId}`,
        paymentToken: payment.paymentToken,
        amount: payment.amount,
        currency: payment.currency,
      });
      await this.payments.manager.transaction(async (manager) => {
        await manager.update(
          PaymentEntity,
          { orderId },
          { status: 'CAPTURED', providerReference: reference },
        );
        await alongside?.(manager);
      });
      this.count('captured');
      return { ...payment, status: 'CAPTURED', providerReference: reference };
    } catch (error) {
      if (error instanceof PaymentDeclinedError) {
        await this.payments.update({ orderId }, { status: 'DECLINED', declineCode: error.declineCode });
        this.count('declined');
      }
      if (error instanceof PaymentProviderUnavailableError) this.count('provider_unavailable');
      throw error;
    }
  }

  /**
   * Refunds a captured payment; `true` when a refund was issued now (idempotent). `alongside` runs in the
   * transaction that records the refund, only when this call records it (the caller's own change, e.g. an
   * event announcing it), so both are stored or neither.
   */
  async refund(orderId: string, alongside?: (manager: EntityManager) => Promise<unknown>): Promise<boolean> {
    const payment = await this.payments.findOneBy({ orderId });
    if (!payment || payment.status !== 'CAPTURED' || !payment.providerReference) return false;
    try {
      await this.provider.refund({
        idempotencyKey: `refund-${orderId}`,
        chargeReference: payment.providerReference,
        amount: payment.amount,
        currency: payment.currency,
      });
    } catch (error) {
      if (error instanceof PaymentProviderUnavailableError) this.count('provider_unavailable');
      throw error;
    }
    const recorded = await this.payments.manager.transaction(async (manager) => {
      const { affected } = await manager.update(
        PaymentEntity,
        { orderId, status: 'CAPTURED' },
        { status: 'REFUNDED' },
      );
      if (!affected) return false; // a concurrent call recorded it
      await alongside?.(manager);
      return true;
    });
    if (!recorded) return false;
    this.count('refunded');
    return true;
  }
}
