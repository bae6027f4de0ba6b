import {
  PaymentDeclinedError,
  PaymentProviderUnavailableError,
  PaymentsRepository,
  PaymentsService,
  type ChargeRequest,
  type PaymentProvider,
  type PaymentStatus,
  type RefundRequest,
} from '@app/payments';
import { randomUUID } from 'node:crypto';
import { Counter, Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import type { OrderStatus } from '../../order-status';
import { IllegalOrderTransitionError } from '../../orders.errors';
import { OrdersRepository } from '../../orders.repository';
import { SagaStepError } from '../saga-step.error';
import { ChargePaymentStep } from './charge-payment.step';
import {
  AuditRecorder,
  eventsOf,
  failureOf,
  insertOrder,
  openStepSpecDatabase,
  orderProgressOn,
  statusOf,
  type StepSpecDatabase,
} from './step-spec.fixture';

/**
 * A provider that captures unless told otherwise, keeps every request, and runs `during` while a call is
 * in flight (what a concurrent process does meanwhile).
 */
class FakeProvider implements PaymentProvider {
  readonly name = 'fake';
  readonly charges: ChargeRequest[] = [];
  readonly refunds: RefundRequest[] = [];
  chargeError: Error | undefined;
  refundError: Error | undefined;
  during: (() => Promise<void>) | undefined;

  async tokenize(): Promise<string> {
    return 'tok_fake';
  }

  async charge(request: ChargeRequest): Promise<{ reference: string }> {
    this.charges.push(request);
    await this.during?.();
    if (this.chargeError) throw this.chargeError;
    return { reference: `ch_${request.orderId}` };
  }

  async refund(request: RefundRequest): Promise<{ reference: string }> {
    this.refunds.push(request);
    await this.during?.();
    if (this.refundError) throw this.refundError;
    return { reference: `re_${request.orderId}` };
  }
}

/** INVENTORY_RESERVED → PAID and its compensation (the refund), against a real PostgreSQL. */
describe('ChargePaymentStep (real PostgreSQL, fake payment provider)', () => {
  let database: StepSpecDatabase;
  let dataSource: DataSource;
  let provider: FakeProvider;
  let step: ChargePaymentStep;
  let audit: AuditRecorder;
  const registry = new Registry();
  const compensations = new Counter({
    name: 'order_saga_compensations_total',
    help: 'test',
    labelNames: ['step'],
    registers: [registry],
  });
  const processed = new Counter({
    name: 'payments_processed_total',
    help: 'test',
    labelNames: ['status'],
    registers: [registry],
  });

  const counted = async (status: string) =>
    (await processed.get()).values.find((v) => v.labels.status === status)?.value ?? 0;
  const refundsCompensated = async () =>
    (await compensations.get()).values.find((v) => v.labels.step === 'refundPayment')?.value ?? 0;
  /** An order with its pending card payment of 2500, in `status`. */
  const order = async (
    status: OrderStatus = 'INVENTORY_RESERVED',
    payment: { status?: PaymentStatus; reference?: string; declineCode?: string } = {},
  ) => {
    const orderId = await insertOrder(dataSource, { status, total: 2500 });
    await dataSource.query(
      `INSERT INTO payments (order_id, method, card_brand, card_last4, expiry_month, expiry_year, payment_token,
                             amount, currency, status, provider_reference, decline_code)
       VALUES ($1, 'card', 'visa', '4242', 12, 2040, 'tok_1', 2500, 'EUR', $2, $3, $4)`,
      [orderId, payment.status ?? 'PENDING', payment.reference ?? null, payment.declineCode ?? null],
    );
    return orderId;
  };
  const paymentOf = async (orderId: string) =>
    (
      await dataSource.query<
        Array<{ status: string; provider_reference: string | null; decline_code: string | null }>
      >('SELECT status, provider_reference, decline_code FROM payments WHERE order_id = $1', [orderId])
    )[0];

  beforeAll(async () => {
    database = await openStepSpecDatabase('charge_step_spec', ['payment.captured', 'payment.refunded']);
    dataSource = database.dataSource;
  });
  afterAll(() => database?.close());
  beforeEach(() => {
    registry.resetMetrics();
    audit = new AuditRecorder();
    provider = new FakeProvider();
    const orders = new OrdersRepository(dataSource);
    const progress = orderProgressOn(dataSource, { orders, audit: audit.log });
    const payments = new PaymentsService(new PaymentsRepository(dataSource), provider, processed);
    step = new ChargePaymentStep(dataSource, orders, payments, progress, audit.log, compensations);
  });

  describe('invoke', () => {
    it('charges the order once, records the capture with the move to PAID, and announces it', async () => {
      const orderId = await order();

      await step.invoke(orderId);

      expect(provider.charges).toEqual([
        { idempotencyKey: `order-${orderId}`, paymentToken: 'tok_1', amount: 2500, currency: 'EUR', orderId },
      ]);
      expect(await paymentOf(orderId)).toEqual({
        status: 'CAPTURED',
        provider_reference: `ch_${orderId}`,
        decline_code: null,
      });
      expect(await statusOf(dataSource, orderId)).toBe('PAID');
      expect(await eventsOf(dataSource, orderId)).toEqual(['payment.captured']);
      expect(await counted('captured')).toBe(1);
      expect(audit.actions).toEqual(['payment-captured']);
    });

    it('does nothing the second time: no second charge, event or count', async () => {
      const orderId = await order();
      await step.invoke(orderId);

      await step.invoke(orderId);

      expect(provider.charges).toHaveLength(1);
      expect(await eventsOf(dataSource, orderId)).toEqual(['payment.captured']);
      expect(await counted('captured')).toBe(1);
    });

    it.each(['PAID', 'SHIPPED', 'COMPLETED'] as const)(
      'does nothing for an order already %s',
      async (status) => {
        const orderId = await order(status);

        await step.invoke(orderId);

        expect(provider.charges).toEqual([]);
        expect((await paymentOf(orderId)).status).toBe('PENDING');
      },
    );

    it('moves an order whose capture was recorded earlier to PAID without charging again', async () => {
      const orderId = await order('INVENTORY_RESERVED', { status: 'CAPTURED', reference: 'ch_earlier' });

      await step.invoke(orderId);

      expect(provider.charges).toEqual([]);
      expect(await statusOf(dataSource, orderId)).toBe('PAID');
      expect((await paymentOf(orderId)).provider_reference).toBe('ch_earlier');
      expect(await counted('captured')).toBe(0);
    });

    it('refuses an order whose cancellation was requested with a final ORDER_CANCELLED, charging nothing', async () => {
      const orderId = await order();
      await dataSource.query('UPDATE orders SET cancel_requested_at = now() WHERE id = $1', [orderId]);

      const error = await failureOf(step.invoke(orderId));

      expect(error).toBeInstanceOf(SagaStepError);
      expect(error).toMatchObject({ type: 'ORDER_CANCELLED', nonRetryable: true });
      expect(provider.charges).toEqual([]);
      expect(await statusOf(dataSource, orderId)).toBe('INVENTORY_RESERVED');
    });

    it('fails with a final PAYMENT_DECLINED, recording the decline and leaving the order where it was', async () => {
      const orderId = await order();
      provider.chargeError = new PaymentDeclinedError('insufficient_funds');

      const error = await failureOf(step.invoke(orderId));

      expect(error).toBeInstanceOf(SagaStepError);
      expect(error).toMatchObject({ type: 'PAYMENT_DECLINED', nonRetryable: true });
      expect(await paymentOf(orderId)).toEqual({
        status: 'DECLINED',
        provider_reference: null,
        decline_code: 'insufficient_funds',
      });
      expect(await statusOf(dataSource, orderId)).toBe('INVENTORY_RESERVED');
      expect(await counted('declined')).toBe(1);
      expect(audit.actions).toEqual(['payment-declined']);
      expect(await eventsOf(dataSource, orderId)).toEqual([]);
    });

    it('fails again with PAYMENT_DECLINED for a payment declined earlier, without asking the provider', async () => {
      const orderId = await order('INVENTORY_RESERVED', { status: 'DECLINED', declineCode: 'card_declined' });

      await expect(step.invoke(orderId)).rejects.toMatchObject({
        type: 'PAYMENT_DECLINED',
        nonRetryable: true,
      });
      expect(provider.charges).toEqual([]);
    });

    it('fails with a retryable PAYMENT_PROVIDER_UNAVAILABLE while the provider is down, then charges on a retry', async () => {
      const orderId = await order();
      provider.chargeError = new PaymentProviderUnavailableError();

      const error = await failureOf(step.invoke(orderId));

      expect(error).toBeInstanceOf(SagaStepError);
      expect(error).toMatchObject({ type: 'PAYMENT_PROVIDER_UNAVAILABLE', nonRetryable: false });
      expect((await paymentOf(orderId)).status).toBe('PENDING');
      expect(await statusOf(dataSource, orderId)).toBe('INVENTORY_RESERVED');
      expect(await counted('provider_unavailable')).toBe(1);

      provider.chargeError = undefined;
      await step.invoke(orderId);

      expect(provider.charges.map((c) => c.idempotencyKey)).toEqual([`order-${orderId}`, `order-${orderId}`]);
      expect(await statusOf(dataSource, orderId)).toBe('PAID');
    });

    it('keeps a capture whose move is refused (the order failed meanwhile) and throws once it is recorded', async () => {
      const orderId = await order();
      provider.during = async () => {
        await dataSource.query(`UPDATE orders SET status = 'FAILED' WHERE id = $1`, [orderId]);
      };

      const error = await failureOf(step.invoke(orderId));

      expect(error).toBeInstanceOf(IllegalOrderTransitionError);
      expect(error).toMatchObject({ from: 'FAILED', to: 'PAID' });
      expect(await paymentOf(orderId)).toMatchObject({
        status: 'CAPTURED',
        provider_reference: `ch_${orderId}`,
      });
      expect(await statusOf(dataSource, orderId)).toBe('FAILED');
      expect(await counted('captured')).toBe(1);
      expect(await eventsOf(dataSource, orderId)).toEqual([]);
      expect(audit.actions).toEqual([]);

      // The capture it kept is what compensation refunds.
      provider.during = undefined;
      await expect(step.compensate(orderId)).resolves.toBe(true);
      expect((await paymentOf(orderId)).status).toBe('REFUNDED');
    });
  });

  describe('compensate', () => {
    it('refunds a captured payment once: true, recorded, announced and counted, then false', async () => {
      const orderId = await order('PAID', { status: 'CAPTURED', reference: 'ch_9' });

      await expect(step.compensate(orderId)).resolves.toBe(true);
      await expect(step.compensate(orderId)).resolves.toBe(false);

      expect(provider.refunds).toEqual([
        {
          idempotencyKey: `refund-${orderId}`,
          chargeReference: 'ch_9',
          amount: 2500,
          currency: 'EUR',
          orderId,
        },
      ]);
      expect((await paymentOf(orderId)).status).toBe('REFUNDED');
      expect(await eventsOf(dataSource, orderId)).toEqual(['payment.refunded']);
      expect(await counted('refunded')).toBe(1);
      expect(await refundsCompensated()).toBe(1);
      expect(audit.actions).toEqual(['payment-refunded']);
    });

    it.each(['PENDING', 'DECLINED'] as const)(
      'answers false for a %s payment without asking the provider',
      async (status) => {
        const orderId = await order('INVENTORY_RESERVED', { status });

        await expect(step.compensate(orderId)).resolves.toBe(false);

        expect(provider.refunds).toEqual([]);
        expect(await refundsCompensated()).toBe(0);
      },
    );

    it('answers false for an order without a payment', async () => {
      await expect(step.compensate(randomUUID())).resolves.toBe(false);
    });

    it('answers false and counts nothing when a concurrent compensation recorded the refund first', async () => {
      const orderId = await order('PAID', { status: 'CAPTURED', reference: 'ch_9' });
      provider.during = async () => {
        await dataSource.query(`UPDATE payments SET status = 'REFUNDED' WHERE order_id = $1`, [orderId]);
      };

      await expect(step.compensate(orderId)).resolves.toBe(false);

      expect(await counted('refunded')).toBe(0);
      expect(await refundsCompensated()).toBe(0);
      expect(await eventsOf(dataSource, orderId)).toEqual([]);
      expect(audit.actions).toEqual([]);
    });

    it('fails with a retryable PAYMENT_PROVIDER_UNAVAILABLE while the provider is down, keeping the capture', async () => {
      const orderId = await order('PAID', { status: 'CAPTURED', reference: 'ch_9' });
      provider.refundError = new PaymentProviderUnavailableError();

      const error = await failureOf(step.compensate(orderId));

      expect(error).toBeInstanceOf(SagaStepError);
      expect(error).toMatchObject({ type: 'PAYMENT_PROVIDER_UNAVAILABLE', nonRetryable: false });
      expect((await paymentOf(orderId)).status).toBe('CAPTURED');
      expect(await counted('provider_unavailable')).toBe(1);
      expect(await refundsCompensated()).toBe(0);
    });
  });
});
