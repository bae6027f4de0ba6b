import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../../../tooling/free-port';
import { requestJson } from '../../../tooling/json-request';
import { insertProduct, productStock } from '../../../tooling/order-fixtures';
import { isTerminalStatus, orderBody } from '../../../tooling/order-requests';
import { startOwnPostgres, type OwnPostgres } from '../../../test/support/own-postgres';
import type { TestDatabase } from '../../../tooling/database';
import { figuresReporter } from '../../../test/support/test-figures';
import { waitFor } from '../../../tooling/wait-for';
import { startApiProcess, type ApiProcess } from '../../../tooling/app-processes';

/** One line per scenario with what it measured, for the run's record. */
const report = figuresReporter('database outage (inline engine)');

/** How long the database stays down: well past the 4 attempts over about 2 s steps used to get. */
const OUTAGE_MS = 9_000;

interface Running {
  api: ApiProcess;
  db: TestDatabase;
  metricsUrl: string;
}

/**
 * The inline engine's answer to a database outage, for real: the API process on a PostgreSQL cluster of
 * the test's own, stopped while a saga waits on the payment provider (its capture then cannot be stored)
 * and started again later.
 */
describe('a PostgreSQL outage in the middle of a saga (inline engine, the API process)', () => {
  let pg: OwnPostgres;

  beforeAll(async () => {
    pg = await startOwnPostgres();
  }, 60_000);
  afterAll(async () => {
    await pg?.destroy();
  });

  async function startApiOn(name: string, env: Record<string, string>): Promise<Running> {
    const url = await pg.createDatabase(name);
    const db: TestDatabase = {
      name,
      url,
      query: (sql, params) => pg.query(name, sql, params),
      drop: async () => undefined, // the cluster goes with its data
    };
    const metricsPort = await freePort();
    const api = await startApiProcess({
      DATABASE_URL: url,
      METRICS_PORT: String(metricsPort),
      SEED_DEMO_CATALOG: 'false',
      ...env,
    });
    await insertProduct(db, 'OUTAGE-1', 10);
    return { api, db, metricsUrl: `http://127.0.0.1:${metricsPort}/metrics` };
  }

  const place = async ({ api }: Running) => {
    const placed = await requestJson(api.baseUrl, 'POST', '/orders', {
      body: orderBody({ items: [{ sku: 'OUTAGE-1', quantity: 2 }] }),
      headers: await api.tokens.headers(),
    });
    expect(placed.status).toBe(202);
    return placed.body.id as string;
  };
  const orderOf = async ({ api }: Running, id: string) =>
    (await requestJson(api.baseUrl, 'GET', `/orders/${id}`, { headers: await api.tokens.headers() })).body;
  const metricOf = async ({ metricsUrl }: Running, series: string) => {
    const text = await (await fetch(metricsUrl)).text();
    const line = text.split('\n').find((l) => l.startsWith(`${series} `));
    return line ? Number(line.split(' ')[1]) : 0;
  };
  /** The engine's log lines about failed attempts of `step` for the order. */
  const failedAttempts = ({ api }: Running, step: string, id: string) =>
    api.output().match(new RegExp(`${step}\\(${id}\\) attempt \\d+ failed`, 'g'))?.length ?? 0;
  /** What the step's first attempt failed with (the one in flight when the database stopped). */
  const firstFailure = ({ api }: Running, step: string, id: string) =>
    new RegExp(`${step}\\(${id}\\) attempt 1 failed: ([^"]{0,120})`).exec(api.output())?.[1] ?? 'none';
  const leaseTaken = ({ api }: Running) => api.output().match(/holds the inline engine lease/g)?.length ?? 0;

  /** Places an order, stops PostgreSQL once its charge is under way (the provider answers in 1.5 s). */
  async function outageDuringCharge(running: Running): Promise<{ id: string; stoppedAt: number }> {
    const id = await place(running);
    await waitFor(
      async () => (await orderOf(running, id)).status,
      (status) => status === 'INVENTORY_RESERVED',
      15_000,
      20,
    );
    const stoppedAt = Date.now();
    await pg.stop();
    return { id, stoppedAt };
  }

  it(`an outage of ${OUTAGE_MS / 1000} s delays the order: it completes once the database is back, captured once`, async () => {
    const running = await startApiOn('outage_completes', { PAYMENT_SIM_LATENCY_MS: '1500' });
    try {
      const { id, stoppedAt } = await outageDuringCharge(running);
      // Orders are refused at once meanwhile, as before: the change is in the saga, not in the API.
      const refused = await requestJson(running.api.baseUrl, 'POST', '/orders', {
        body: orderBody({ items: [{ sku: 'OUTAGE-1', quantity: 1 }] }),
        headers: await running.api.tokens.headers(),
      });
      expect([refused.status, refused.body.code]).toEqual([503, 'DATABASE_UNAVAILABLE']);
      // Past the old limit of 4 attempts, then down for the rest of the outage.
      await waitFor(
        async () => failedAttempts(running, 'chargePayment', id),
        (n) => n >= 4,
        15_000,
        100,
      );
      await sleep(Math.max(0, OUTAGE_MS - (Date.now() - stoppedAt)));
      await pg.start();
      const downMs = Date.now() - stoppedAt;
      const restartedAt = Date.now();

      const order = await waitFor<any>(() => orderOf(running, id), isTerminalStatus, 60_000, 100);
      const completedAfterMs = Date.now() - restartedAt;
      expect(order).toMatchObject({
        status: 'COMPLETED',
        failureReason: null,
        payment: { status: 'CAPTURED' },
      });
      expect(await metricOf(running, 'payments_processed_total{status="captured"}')).toBe(1);
      expect(await productStock(running.db, 'OUTAGE-1')).toBe(8);
      const attempts = failedAttempts(running, 'chargePayment', id) + 1;
      expect(attempts).toBeGreaterThan(4);
      // The engine lost its lease with the database and took it again.
      await waitFor(
        async () => leaseTaken(running),
        (n) => n === 2,
        15_000,
        100,
      );
      // And it accepts and completes orders as before.
      const next = await place(running);
      expect((await waitFor<any>(() => orderOf(running, next), isTerminalStatus, 30_000, 100)).status).toBe(
        'COMPLETED',
      );
      report('outage longer than the old give-up', {
        downMs,
        chargeAttempts: attempts,
        firstFailure: JSON.stringify(firstFailure(running, 'chargePayment', id)),
        completedAfterRestartMs: completedAfterMs,
        placedToCompletedMs: Date.parse(order.updatedAt) - Date.parse(order.createdAt),
        captures: 1,
      });
    } finally {
      await pg.start().catch(() => undefined);
      expect(await running.api.stop()).toBe(0);
    }
  }, 120_000);

  it('a transaction cut by the stop is retried too: the order completes once the database is back', async () => {
    // Every statement waits 800 ms with its connection taken (injected database latency), so the charge
    // holds a connection, in its transaction most of the time, when the server stops and cuts it.
    const running = await startApiOn('outage_cut', { DATABASE_FAULT_LATENCY_MS: '800' });
    try {
      const id = await place(running);
      await waitFor(
        async () => (await orderOf(running, id)).status,
        (status) => status === 'INVENTORY_RESERVED',
        30_000,
        20,
      );
      // The reservation's attempt is in the step log: the charge starts right after that write.
      await waitFor(
        () =>
          running.db.query(
            `SELECT 1 FROM order_saga_steps WHERE order_id = $1 AND step = 'reserveInventory'`,
            [id],
          ),
        (rows) => rows.length === 1,
        30_000,
        20,
      );
      const stoppedAt = Date.now();
      await pg.stop();
      // Past the old limit of 4 attempts.
      await waitFor(
        async () => failedAttempts(running, 'chargePayment', id),
        (n) => n >= 4,
        15_000,
        100,
      );
      await pg.start();
      const downMs = Date.now() - stoppedAt;
      const restartedAt = Date.now();

      const order = await waitFor<any>(() => orderOf(running, id), isTerminalStatus, 90_000, 200);
      expect(order).toMatchObject({ status: 'COMPLETED', payment: { status: 'CAPTURED' } });
      expect(await metricOf(running, 'payments_processed_total{status="captured"}')).toBe(1);
      // Its first attempt lost the connection it held; the next ones could not connect.
      const first = firstFailure(running, 'chargePayment', id);
      expect(first).toMatch(/connection error|terminat/i);
      report('a transaction cut by the stop', {
        downMs,
        firstFailure: JSON.stringify(first),
        completedAfterRestartMs: Date.now() - restartedAt,
      });
    } finally {
      await pg.start().catch(() => undefined);
      expect(await running.api.stop()).toBe(0);
    }
  }, 150_000);

  it('an outage longer than the budget fails the order with INFRASTRUCTURE_UNAVAILABLE once it is back, stock released', async () => {
    const running = await startApiOn('outage_fails', {
      PAYMENT_SIM_LATENCY_MS: '1500',
      SAGA_INFRASTRUCTURE_RETRY_MS: '3000',
    });
    try {
      const { id, stoppedAt } = await outageDuringCharge(running);
      // The charge gave up after the 3 s budget: the saga compensates, and waits for the database too.
      await waitFor(
        async () => failedAttempts(running, 'refundPayment', id),
        (n) => n >= 1,
        20_000,
        100,
      );
      const gaveUpWithinMs = Date.now() - stoppedAt;
      await sleep(Math.max(0, OUTAGE_MS - (Date.now() - stoppedAt)));
      await pg.start();
      const downMs = Date.now() - stoppedAt;
      const restartedAt = Date.now();

      const order = await waitFor<any>(() => orderOf(running, id), isTerminalStatus, 60_000, 100);
      expect(order).toMatchObject({ status: 'FAILED', failureReason: 'INFRASTRUCTURE_UNAVAILABLE' });
      expect(order.payment.status).not.toBe('CAPTURED');
      expect(await productStock(running.db, 'OUTAGE-1')).toBe(10);
      expect(
        await metricOf(running, 'order_processing_errors_total{reason="INFRASTRUCTURE_UNAVAILABLE"}'),
      ).toBe(1);
      expect(running.api.output()).not.toMatch(/UNEXPECTED_ERROR/);
      report('outage longer than a 3 s budget', {
        downMs,
        gaveUpWithinMs,
        failedAfterRestartMs: Date.now() - restartedAt,
        chargeAttempts: failedAttempts(running, 'chargePayment', id) + 1,
      });
    } finally {
      await pg.start().catch(() => undefined);
      expect(await running.api.stop()).toBe(0);
    }
  }, 120_000);
});
