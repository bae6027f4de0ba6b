import { randomUUID } from 'node:crypto';
import { DatabaseModule, MIGRATIONS } from '@app/database';
import { ObservabilityModule } from '@app/observability';
import {
  PaymentDeclinedError,
  PaymentProviderUnavailableError,
  PaymentsModule,
  PaymentsService,
  SimulatedPaymentProvider,
  SimulatedProviderLedgerRepository,
  type SimulatedPaymentSettings,
} from '@app/payments';
import { Test, type TestingModule } from '@nestjs/testing';
import { DataSource } from 'typeorm';
import { insertPendingOrder, insertProduct } from '../../../tooling/order-fixtures';
import { createTestDatabase, type TestDatabase } from '../../../tooling/database';

interface LedgerRow {
  idempotency_key: string;
  kind: string;
  outcome: string;
  reference: string | null;
  decline_code: string | null;
  order_id: string | null;
  charge_reference: string | null;
  amount: string | null;
  currency: string | null;
}

/**
 * The simulated provider's ledger on a real PostgreSQL: provider instances with data sources of their own
 * stand for worker processes, sharing one ledger as a real provider's clients do.
 */
describe('simulated payment provider ledger shared by processes (real PostgreSQL)', () => {
  let db: TestDatabase;
  const sources: DataSource[] = [];
  const apps: TestingModule[] = [];

  /** A provider as another process would have it: its own pool, the one ledger. */
  const provider = async (settings: Partial<SimulatedPaymentSettings> = {}) => {
    const source = await new DataSource({ type: 'postgres', url: db.url, extra: { max: 4 } }).initialize();
    sources.push(source);
    return new SimulatedPaymentProvider(
      { latencyMs: 0, ...settings },
      Math.random,
      new SimulatedProviderLedgerRepository(source),
    );
  };
  const ledger = (key: string) =>
    db.query<LedgerRow>('SELECT * FROM simulated_provider_ledger WHERE idempotency_key = $1', [key]);
  const charge = (key: string, paymentToken = `sim_tok_${randomUUID()}`) => ({
    idempotencyKey: key,
    paymentToken,
    amount: 2500,
    currency: 'EUR',
  });

  beforeAll(async () => {
    db = await createTestDatabase('orders_ledger');
    const schema = await new DataSource({
      type: 'postgres',
      url: db.url,
      migrations: MIGRATIONS,
    }).initialize();
    await schema.runMigrations({ transaction: 'each' });
    await schema.destroy();
  });
  afterAll(async () => {
    await Promise.all(apps.map((app) => app.close()));
    await Promise.all(sources.map((source) => source.destroy()));
    await db?.drop();
  });

  it('captures once when two processes charge with one key at the same moment', async () => {
    // The latency keeps both calls in flight together: neither finds the other's outcome before deciding.
    const [first, second] = [await provider({ latencyMs: 100 }), await provider({ latencyMs: 100 })];
    const key = `order-${randomUUID()}`;
    const results = await Promise.all([
      first.charge(charge(key)),
      second.charge(charge(key)),
      first.charge(charge(key)),
      second.charge(charge(key)),
    ]);

    const rows = await ledger(key);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      kind: 'charge',
      outcome: 'captured',
      reference: expect.stringMatching(/^sim_ch_/),
      amount: '2500',
      currency: 'EUR',
    });
    expect(results.map((result) => result.reference)).toEqual(Array(4).fill(rows[0].reference));
  });

  it('replays a decline as a decline, without capturing, whoever asks again', async () => {
    const [first, second] = [await provider(), await provider()];
    const key = `order-${randomUUID()}`;
    await expect(first.charge(charge(key, 'sim_tok_decline_x'))).rejects.toEqual(
      new PaymentDeclinedError('card_declined'),
    );
    // Another process, with a token that would be accepted: the key's outcome stands.
    await expect(second.charge(charge(key))).rejects.toEqual(new PaymentDeclinedError('card_declined'));

    const randomKey = `order-${randomUUID()}`;
    const declining = await provider({ declineRate: 1 });
    await expect(declining.charge(charge(randomKey))).rejects.toEqual(
      new PaymentDeclinedError('insufficient_funds'),
    );
    await expect(second.charge(charge(randomKey))).rejects.toEqual(
      new PaymentDeclinedError('insufficient_funds'),
    );

    for (const [k, code] of [
      [key, 'card_declined'],
      [randomKey, 'insufficient_funds'],
    ]) {
      const rows = await ledger(k);
      expect(rows).toEqual([
        expect.objectContaining({ kind: 'charge', outcome: 'declined', reference: null, decline_code: code }),
      ]);
    }
  });

  it('records nothing during an outage, and captures once when a retry gets through', async () => {
    const [first, second] = [await provider({ outage: true }), await provider()];
    const key = `order-${randomUUID()}`;
    await expect(first.charge(charge(key))).rejects.toBeInstanceOf(PaymentProviderUnavailableError);
    await expect(first.charge(charge(key))).rejects.toBeInstanceOf(PaymentProviderUnavailableError);
    expect(await ledger(key)).toEqual([]);

    const { reference } = await second.charge(charge(key));
    first.configure({ outage: false });
    await expect(first.charge(charge(key))).resolves.toEqual({ reference });
    expect(await ledger(key)).toEqual([expect.objectContaining({ outcome: 'captured', reference })]);
  });

  it('records a refund the same way, once per key', async () => {
    const [first, second] = [await provider({ latencyMs: 50 }), await provider({ latencyMs: 50 })];
    const orderId = randomUUID();
    const { reference: chargeReference } = await first.charge({ ...charge(`order-${orderId}`), orderId });
    const refund = {
      idempotencyKey: `refund-${orderId}`,
      chargeReference,
      amount: 2500,
      currency: 'EUR',
      orderId,
    };
    const [a, b] = await Promise.all([first.refund(refund), second.refund(refund)]);
    expect(a.reference).toMatch(/^sim_re_/);
    expect(b).toEqual(a);

    const rows = await db.query<LedgerRow>(
      'SELECT * FROM simulated_provider_ledger WHERE order_id = $1 ORDER BY created_at',
      [orderId],
    );
    expect(rows).toEqual([
      expect.objectContaining({ kind: 'charge', outcome: 'captured', reference: chargeReference }),
      expect.objectContaining({
        kind: 'refund',
        outcome: 'refunded',
        reference: a.reference,
        charge_reference: chargeReference,
        amount: '2500',
      }),
    ]);
  });

  it('refuses a key already used for the other kind of call', async () => {
    const first = await provider();
    const key = `order-${randomUUID()}`;
    const { reference } = await first.charge(charge(key));
    await expect(
      first.refund({ idempotencyKey: key, chargeReference: reference, amount: 2500, currency: 'EUR' }),
    ).rejects.toThrow(/used for a charge already/);
  });

  it('gives the payments module the shared ledger: a capture retried in another process reuses the first', async () => {
    /** The payments domain as a worker process builds it, with its own provider instance. */
    const worker = async () => {
      const app = await Test.createTestingModule({
        imports: [
          ObservabilityModule.forRoot({
            serviceName: 'ledger-test',
            metrics: { port: null },
            logging: { level: 'silent' },
          }),
          DatabaseModule.forRoot({ url: db.url, runMigrations: false, applicationName: 'ledger-test' }),
          PaymentsModule.forRoot({ provider: new SimulatedPaymentProvider({ latencyMs: 0 }) }),
        ],
      }).compile();
      apps.push(await app.init());
      return app;
    };
    await insertProduct(db, 'LEDGER-1', 10);
    const { orderId } = await insertPendingOrder(db, { sku: 'LEDGER-1' });

    // The first worker's charge goes through at the provider, then the worker dies before recording it.
    const crashed = await worker();
    const { reference } = await crashed.get(SimulatedPaymentProvider).charge({
      idempotencyKey: `order-${orderId}`,
      paymentToken: 'sim_tok_crash',
      amount: 2500,
      currency: 'EUR',
      orderId,
    });
    // Another worker retries the capture with the same key: the provider answers with the first charge.
    const retried = await worker();
    const payments = retried.get(PaymentsService);
    const retriedReference = await payments.charge(await payments.paymentOf(orderId));
    expect(retriedReference).toBe(reference);
    await retried
      .get(DataSource)
      .transaction((manager) => payments.recordCapture(manager, orderId, retriedReference));

    const [payment] = await db.query<{ provider_reference: string }>(
      'SELECT provider_reference FROM payments WHERE order_id = $1',
      [orderId],
    );
    expect(payment.provider_reference).toBe(reference);
    const captures = await db.query<{ n: string }>(
      `SELECT count(*) AS n FROM simulated_provider_ledger
        WHERE order_id = $1 AND kind = 'charge' AND outcome = 'captured'`,
      [orderId],
    );
    expect(captures).toEqual([{ n: '1' }]);
  });
});
