import { Counter, Registry } from 'prom-client';
import type { EntityManager } from 'typeorm';
import type { ChargeRequest, PaymentProvider, RefundRequest } from './payment-provider.port';
import {
  PaymentDeclinedError,
  PaymentNotFoundError,
  PaymentProviderUnavailableError,
} from './payments.errors';
import type { OrderPayment, PaymentsRepository, PendingPayment } from './payments.repository';
import { PaymentsService } from './payments.service';

type Outcome = { reference: string } | Error;

/** A provider whose next outcome the test sets, and which keeps every request it was sent. */
class FakeProvider implements PaymentProvider {
  readonly name = 'fake';
  readonly charges: ChargeRequest[] = [];
  readonly refunds: RefundRequest[] = [];
  nextCharge: Outcome = { reference: 'ch_1' };
  nextRefund: Outcome = { reference: 're_1' };

  async tokenize(): Promise<string> {
    return 'tok_fake';
  }

  async charge(request: ChargeRequest): Promise<{ reference: string }> {
    this.charges.push(request);
    if (this.nextCharge instanceof Error) throw this.nextCharge;
    return this.nextCharge;
  }

  async refund(request: RefundRequest): Promise<{ reference: string }> {
    this.refunds.push(request);
    if (this.nextRefund instanceof Error) throw this.nextRefund;
    return this.nextRefund;
  }
}

/** The repository's writes, kept in memory. */
class FakeRepository {
  readonly payments = new Map<string, OrderPayment>();
  readonly pending: PendingPayment[] = [];
  readonly declined: Array<[string, string]> = [];

  async insertPending(_manager: EntityManager, payment: PendingPayment): Promise<void> {
    this.pending.push(payment);
  }

  async ofOrder(orderId: string): Promise<OrderPayment | null> {
    return this.payments.get(orderId) ?? null;
  }

  async markDeclined(orderId: string, declineCode: string): Promise<void> {
    this.declined.push([orderId, declineCode]);
  }
}

const payment = (patch: Partial<OrderPayment> = {}): OrderPayment => ({
  orderId: 'order-1',
  paymentToken: 'tok_1',
  amount: 2500,
  currency: 'EUR',
  status: 'PENDING',
  declineCode: null,
  providerReference: null,
  ...patch,
});

const failureOf = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => undefined,
    (error: unknown) => error,
  );

describe('PaymentsService (fake provider, fake repository)', () => {
  const registry = new Registry();
  const processed = new Counter({
    name: 'payments_processed_total',
    help: 'test',
    labelNames: ['status'],
    registers: [registry],
  });
  let provider: FakeProvider;
  let repository: FakeRepository;
  let service: PaymentsService;

  const counted = async (status: string) =>
    (await processed.get()).values.find((v) => v.labels.status === status)?.value ?? 0;

  beforeEach(() => {
    registry.resetMetrics();
    provider = new FakeProvider();
    repository = new FakeRepository();
    service = new PaymentsService(repository as unknown as PaymentsRepository, provider, processed);
  });

  describe('charge', () => {
    it("charges the order's amount with the idempotency key order-<id> and resolves with the reference", async () => {
      provider.nextCharge = { reference: 'ch_42' };

      await expect(service.charge(payment({ orderId: 'o-42', amount: 1999, currency: 'USD' }))).resolves.toBe(
        'ch_42',
      );

      expect(provider.charges).toEqual([
        {
          idempotencyKey: 'order-o-42',
          paymentToken: 'tok_1',
          amount: 1999,
          currency: 'USD',
          orderId: 'o-42',
        },
      ]);
      // A capture is counted by the caller once its record has committed, not here.
      expect(await counted('captured')).toBe(0);
    });

    it('sends the same idempotency key on every attempt for the same order', async () => {
      provider.nextCharge = new PaymentProviderUnavailableError();
      await failureOf(service.charge(payment()));
      provider.nextCharge = { reference: 'ch_1' };
      await service.charge(payment());

      expect(provider.charges.map((c) => c.idempotencyKey)).toEqual(['order-order-1', 'order-order-1']);
    });

    it('records a decline, counts it, and throws the PaymentDeclinedError', async () => {
      const declined = new PaymentDeclinedError('insufficient_funds');
      provider.nextCharge = declined;

      expect(await failureOf(service.charge(payment()))).toBe(declined);

      expect(repository.declined).toEqual([['order-1', 'insufficient_funds']]);
      expect(await counted('declined')).toBe(1);
      expect(await counted('provider_unavailable')).toBe(0);
    });

    it('throws an unavailable provider again, counted as provider_unavailable and recording nothing', async () => {
      const unavailable = new PaymentProviderUnavailableError('timeout');
      provider.nextCharge = unavailable;

      expect(await failureOf(service.charge(payment()))).toBe(unavailable);

      expect(repository.declined).toEqual([]);
      expect(await counted('provider_unavailable')).toBe(1);
      expect(await counted('declined')).toBe(0);
    });

    it('throws any other provider error as it is, neither recorded nor counted', async () => {
      const broken = new TypeError('unexpected answer');
      provider.nextCharge = broken;

      expect(await failureOf(service.charge(payment()))).toBe(broken);

      expect(repository.declined).toEqual([]);
      expect((await processed.get()).values).toEqual([]);
    });

    it('throws for a payment declined earlier, with its decline code, without calling the provider', async () => {
      const error = await failureOf(
        service.charge(payment({ status: 'DECLINED', declineCode: 'card_declined' })),
      );

      expect(error).toBeInstanceOf(PaymentDeclinedError);
      expect(error).toMatchObject({ declineCode: 'card_declined' });
      expect(provider.charges).toEqual([]);
      expect(repository.declined).toEqual([]);
      expect(await counted('declined')).toBe(0);
    });

    it('names a payment declined earlier without a code "declined"', async () => {
      await expect(service.charge(payment({ status: 'DECLINED', declineCode: null }))).rejects.toMatchObject({
        declineCode: 'declined',
      });
    });
  });

  describe('refund', () => {
    const captured = payment({ status: 'CAPTURED', providerReference: 'ch_9' });

    it('refunds a captured payment against its charge with the idempotency key refund-<id>', async () => {
      await expect(service.refund(captured)).resolves.toBe(true);

      expect(provider.refunds).toEqual([
        {
          idempotencyKey: 'refund-order-1',
          chargeReference: 'ch_9',
          amount: 2500,
          currency: 'EUR',
          orderId: 'order-1',
        },
      ]);
      // A refund is counted by the caller once its record has committed.
      expect(await counted('refunded')).toBe(0);
    });

    it.each(['PENDING', 'DECLINED', 'REFUNDED'] as const)(
      'answers false for a %s payment without calling the provider',
      async (status) => {
        await expect(service.refund(payment({ status, providerReference: 'ch_9' }))).resolves.toBe(false);
        expect(provider.refunds).toEqual([]);
      },
    );

    it('answers false for a captured payment without a provider reference, without calling the provider', async () => {
      await expect(service.refund(payment({ status: 'CAPTURED', providerReference: null }))).resolves.toBe(
        false,
      );
      expect(provider.refunds).toEqual([]);
    });

    it('throws an unavailable provider again, counted as provider_unavailable', async () => {
      const unavailable = new PaymentProviderUnavailableError();
      provider.nextRefund = unavailable;

      expect(await failureOf(service.refund(captured))).toBe(unavailable);
      expect(await counted('provider_unavailable')).toBe(1);
    });
  });

  describe('the payment record', () => {
    it('keeps only the card summary and the token of a pending payment, never the card number or CVV', async () => {
      await service.recordPending(
        {} as EntityManager,
        {
          orderId: 'order-7',
          card: { cardNumber: '4242424242424242', expiryMonth: 12, expiryYear: 2031, cvv: '123' },
          amount: 700,
          currency: 'EUR',
        },
        'tok_7',
      );

      expect(repository.pending).toEqual([
        {
          orderId: 'order-7',
          card: { brand: 'visa', last4: '4242', expiryMonth: 12, expiryYear: 2031 },
          paymentToken: 'tok_7',
          amount: 700,
          currency: 'EUR',
        },
      ]);
      expect(JSON.stringify(repository.pending)).not.toMatch(/4242424242424242|"cvv"/);
    });

    it("finds an order's payment, and throws PaymentNotFoundError for an order without one", async () => {
      repository.payments.set('order-1', payment());

      await expect(service.paymentOf('order-1')).resolves.toEqual(payment());
      await expect(service.findPayment('order-2')).resolves.toBeNull();
      await expect(service.paymentOf('order-2')).rejects.toBeInstanceOf(PaymentNotFoundError);
    });
  });
});
