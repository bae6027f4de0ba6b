import { returningRows } from '@app/database';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import type { CardSummary } from './card';
import type { PaymentEntity, PaymentStatus } from './payment.entity';
import { PAYMENTS_SQL } from './payments.sql';

/** What the saga reads of an order's payment (the token only goes to the provider). */
export type OrderPayment = Pick<
  PaymentEntity,
  'orderId' | 'paymentToken' | 'amount' | 'currency' | 'status' | 'declineCode' | 'providerReference'
>;

export interface PendingPayment {
  orderId: string;
  card: CardSummary;
  paymentToken: string;
  amount: number;
  currency: string;
}

interface PaymentRow {
  payment_token: string;
  amount: string;
  currency: string;
  status: PaymentStatus;
  decline_code: string | null;
  provider_reference: string | null;
}

/**
 * The `payments` table, read and written with the statements of `payments.sql.ts` only. Methods that
 * take an `EntityManager` run inside the caller's transaction.
 */
@Injectable()
export class PaymentsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async insertPending(manager: EntityManager, payment: PendingPayment): Promise<void> {
    const { card } = payment;
    await manager.query(PAYMENTS_SQL.pending, [
      payment.orderId,
      card.brand,
      card.last4,
      card.expiryMonth,
      card.expiryYear,
      payment.paymentToken,
      payment.amount,
      payment.currency,
    ]);
  }

  async ofOrder(orderId: string): Promise<OrderPayment | null> {
    const [row] = await this.dataSource.query<PaymentRow[]>(PAYMENTS_SQL.ofOrder, [orderId]);
    if (!row) return null;
    return {
      orderId,
      paymentToken: row.payment_token,
      amount: Number(row.amount),
      currency: row.currency,
      status: row.status,
      declineCode: row.decline_code,
      providerReference: row.provider_reference,
    };
  }

  async markCaptured(manager: EntityManager, orderId: string, providerReference: string): Promise<void> {
    await manager.query(PAYMENTS_SQL.captured, [orderId, providerReference]);
  }

  async markDeclined(orderId: string, declineCode: string): Promise<void> {
    await this.dataSource.query(PAYMENTS_SQL.declined, [orderId, declineCode]);
  }

  /** False when the payment was not captured (any more): a concurrent refund recorded it first. */
  async markRefunded(manager: EntityManager, orderId: string): Promise<boolean> {
    return (await returningRows(manager, PAYMENTS_SQL.refunded, [orderId])).length > 0;
  }
}
