import { InjectMetric, type Counter } from '@app/observability';
import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { EntityManager, Repository } from 'typeorm';
import { summarizeCard, type CardDetails } from './card';
import { PaymentEntity, type PaymentStatus } from './payment.entity';
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

/**
 * The order path's payment statements, written out: built with TypeORM's repository they cost more CPU
 * per order than the statements themselves (BENCHMARKS.md, order placement).
 * `benchmarks/order-placement.pgbench.sql` runs the same text.
 */
export const PAYMENTS_SQL = {
  pending:
    'INSERT INTO payments (order_id, method, card_brand, card_last4, expiry_month, expiry_year, payment_token, ' +
    "amount, currency, status) VALUES ($1, 'card', $2, $3, $4, $5, $6, $7, $8, 'PENDING')",
  toCapture: 'SELECT payment_token, amount, currency, status, decline_code FROM payments WHERE order_id = $1',
  captured:
    "UPDATE payments SET status = 'CAPTURED', provider_reference = $2, updated_at = now() WHERE order_id = $1",
} as const;

/** What a capture reads of the payment (the token only goes to the provider). */
export type PaymentToCapture = Pick<
  PaymentEntity,
  'orderId' | 'paymentToken' | 'amount' | 'currency' | 'status' | 'declineCode'
>;

interface CaptureRow {
  payment_token: string;
  amount: string;
  currency: string;
  status: PaymentStatus;
  decline_code: string | null;
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
    await manager.query(PAYMENTS_SQL.pending, [
      payment.orderId,
      summary.brand,
      summary.last4,
      summary.expiryMonth,
      summary.expiryYear,
      paymentToken,
      payment.amount,
      payment.currency,
    ]);
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
  ): Promise<PaymentToCapture> {
    const [row] = await this.payments.query<CaptureRow[]>(PAYMENTS_SQL.toCapture, [orderId]);
    if (!row) throw new PaymentNotFoundError(orderId);
    const payment: PaymentToCapture = {
      orderId,
      paymentToken: row.payment_token,
      amount: Number(row.amount),
      currency: row.currency,
      status: row.status,
      declineCode: row.decline_code,
    };
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
        orderId,
      });
      await this.payments.manager.transaction(async (manager) => {
        await manager.query(PAYMENTS_SQL.captured, [orderId, reference]);
        await alongside?.(manager);
      });
      this.count('captured');
      return { ...payment, status: 'CAPTURED' };
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
        orderId,
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
