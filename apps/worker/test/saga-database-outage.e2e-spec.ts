import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { requestJson } from '../../../tooling/json-request';
import { insertProduct, productStock } from '../../../tooling/order-fixtures';
import { isTerminalStatus, orderBody } from '../../../tooling/order-requests';
import { startOwnPostgres, type OwnPostgres } from '../../../test/support/own-postgres';
import { describeWithServers } from '../../../test/support/real-servers';
import { startTemporalDevServer, type TemporalDevServer } from '../../../tooling/temporal-dev-server';
import type { TestDatabase } from '../../../tooling/database';
import { figuresReporter } from '../../../test/support/test-figures';
import { waitFor } from '../../../tooling/wait-for';
import {
  startApiProcess,
  type ApiProcess,
  startWorkerProcess,
  type WorkerProcess,
} from '../../../tooling/app-processes';

/** One line per scenario with what it measured, for the run's record. */
const report = figuresReporter('database outage (Temporal)');

/** How long the database stays down: well past the 4 attempts over about 2 s steps used to get. */
const OUTAGE_MS = 9_000;

interface Topology {
  db: TestDatabase;
  api: ApiProcess;
  worker: WorkerProcess;
  stop(): Promise<void>;
}

/**
 * The Temporal engine's answer to a database outage, for real: a Temporal dev server, the API with the
 * Temporal engine and a worker process, on a PostgreSQL cluster of the test's own that is stopped while
 * sagas are in flight and started again later. The worker runs one activity at a time, so that one
 * order's charge is in flight when the database stops while another order's first step waits for the
 * slot and starts while it is down.
 */
describeWithServers(['temporal'], 'a PostgreSQL outage in the middle of sagas (Temporal engine)', () => {
  let pg: OwnPostgres;
  let temporal: TemporalDevServer;

  beforeAll(async () => {
    [pg, temporal] = await Promise.all([startOwnPostgres(), startTemporalDevServer()]);
  }, 120_000);
  afterAll(async () => {
    await Promise.all([pg?.destroy(), temporal?.close()]);
  });

  async function startTopology(name: string, workerEnv: Record<string, string>): Promise<Topology> {
    const url = await pg.createDatabase(name);
    const db: TestDatabase = {
      name,
      url,
      query: (sql, params) => pg.query(name, sql, params),
      drop: async () => undefined, // the cluster goes with its data
    };
    const shared = {
      DATABASE_URL: url,
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_TASK_QUEUE: `orders-outage-${randomUUID()}`,
      PAYMENT_SIM_LATENCY_MS: '3000', // the charge waits on the provider while the database stops
    };
    // The API migrates the schema, then the worker starts on it.
    const api = await startApiProcess({ ...shared, SEED_DEMO_CATALOG: 'false' });
    const worker = await startWorkerProcess({
      ...shared,
      WORKER_MAX_CONCURRENT_ACTIVITIES: '1',
      ...workerEnv,
    }).catch(async (error: unknown) => {
      await api.stop();
      throw error;
    });
    await insertProduct(db, 'OUTAGE-T', 10);
    return {
      db,
      api,
      worker,
      async stop() {
        const codes = await Promise.all([worker.stop(), api.stop()]);
        expect(codes).toEqual([0, 0]);
      },
    };
  }

  const place = async ({ api }: Topology, customer: string) => {
    const placed = await requestJson(api.baseUrl, 'POST', '/orders', {
      body: orderBody({ items: [{ sku: 'OUTAGE-T', quantity: 2 }] }),
      headers: await api.tokens.headers(customer),
    });
    expect(placed.status).toBe(202);
    return placed.body.id as string;
  };
  const orderOf = async ({ api }: Topology, id: string, customer: string) =>
    (
      await requestJson(api.baseUrl, 'GET', `/orders/${id}`, {
        headers: await api.tokens.headers(customer),
      })
    ).body;
  const workerMetric = async ({ worker }: Topology, series: string) => {
    const text = await (await fetch(`${worker.baseUrl.replace('[::1]', '127.0.0.1')}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith(`${series} `));
    return line ? Number(line.split(' ')[1]) : 0;
  };

  /**
   * Order A's charge in flight (the provider answers in 3 s) and order B placed behind it (its
   * reservation waits for the worker's only slot), then PostgreSQL stopped.
   */
  async function outageWithSagasInFlight(topology: Topology) {
    const a = await place(topology, 'outage-a');
    await waitFor(
      async () => (await orderOf(topology, a, 'outage-a')).status,
      (status) => status === 'INVENTORY_RESERVED',
      20_000,
      20,
    );
    const b = await place(topology, 'outage-b');
    const statusesAtStop = [
      (await orderOf(topology, a, 'outage-a')).status,
      (await orderOf(topology, b, 'outage-b')).status,
    ];
    const stoppedAt = Date.now();
    await pg.stop();
    return { a, b, stoppedAt, statusesAtStop };
  }

  it(`an outage of ${OUTAGE_MS / 1000} s delays the orders: both complete once the database is back, each captured once`, async () => {
    const topology = await startTopology('outage_t_completes', {});
    try {
      const { a, b, stoppedAt, statusesAtStop } = await outageWithSagasInFlight(topology);
      expect(statusesAtStop).toEqual(['INVENTORY_RESERVED', 'PENDING']);
      await sleep(Math.max(0, OUTAGE_MS - (Date.now() - stoppedAt)));
      await pg.start();
      const downMs = Date.now() - stoppedAt;
      const restartedAt = Date.now();

      const [orderA, orderB] = await Promise.all([
        waitFor<any>(() => orderOf(topology, a, 'outage-a'), isTerminalStatus, 90_000, 200),
        waitFor<any>(() => orderOf(topology, b, 'outage-b'), isTerminalStatus, 90_000, 200),
      ]);
      const completedAfterMs = Date.now() - restartedAt;
      for (const order of [orderA, orderB])
        expect(order).toMatchObject({
          status: 'COMPLETED',
          failureReason: null,
          payment: { status: 'CAPTURED' },
        });
      expect(await workerMetric(topology, 'payments_processed_total{status="captured"}')).toBe(2);
      expect(await productStock(topology.db, 'OUTAGE-T')).toBe(6);
      // A's charge failed in flight; B's reservation started, and failed, while the database was down.
      const failedCharges = await workerMetric(
        topology,
        'order_saga_steps_total{step="chargePayment",outcome="INFRASTRUCTURE_UNAVAILABLE"}',
      );
      const failedReservations = await workerMetric(
        topology,
        'order_saga_steps_total{step="reserveInventory",outcome="INFRASTRUCTURE_UNAVAILABLE"}',
      );
      expect(failedCharges).toBeGreaterThanOrEqual(1);
      expect(failedReservations).toBeGreaterThanOrEqual(1);
      expect(topology.worker.output()).not.toMatch(/UNEXPECTED_ERROR/);
      report('outage longer than the old give-up', {
        downMs,
        failedChargeAttempts: failedCharges,
        failedReservationAttempts: failedReservations,
        completedAfterRestartMs: completedAfterMs,
        placedToCompletedMsA: Date.parse(orderA.updatedAt) - Date.parse(orderA.createdAt),
        placedToCompletedMsB: Date.parse(orderB.updatedAt) - Date.parse(orderB.createdAt),
        captures: 2,
      });
    } finally {
      await pg.start().catch(() => undefined);
      await topology.stop();
    }
  }, 240_000);

  it('an outage longer than the budget fails the orders with INFRASTRUCTURE_UNAVAILABLE once it is back, stock released', async () => {
    const topology = await startTopology('outage_t_fails', { SAGA_INFRASTRUCTURE_RETRY_MS: '3000' });
    try {
      const { a, b, stoppedAt } = await outageWithSagasInFlight(topology);
      await sleep(Math.max(0, OUTAGE_MS - (Date.now() - stoppedAt)));
      await pg.start();
      const downMs = Date.now() - stoppedAt;
      const restartedAt = Date.now();

      const orders = await Promise.all([
        waitFor<any>(() => orderOf(topology, a, 'outage-a'), isTerminalStatus, 90_000, 200),
        waitFor<any>(() => orderOf(topology, b, 'outage-b'), isTerminalStatus, 90_000, 200),
      ]);
      for (const order of orders) {
        expect(order).toMatchObject({ status: 'FAILED', failureReason: 'INFRASTRUCTURE_UNAVAILABLE' });
        expect(order.payment.status).not.toBe('CAPTURED');
      }
      expect(await productStock(topology.db, 'OUTAGE-T')).toBe(10);
      expect(await workerMetric(topology, 'payments_processed_total{status="captured"}')).toBe(0);
      expect(
        await workerMetric(topology, 'order_processing_errors_total{reason="INFRASTRUCTURE_UNAVAILABLE"}'),
      ).toBe(2);
      report('outage longer than a 3 s budget', {
        downMs,
        failedAfterRestartMs: Date.now() - restartedAt,
        failed: orders.length,
      });
    } finally {
      await pg.start().catch(() => undefined);
      await topology.stop();
    }
  }, 240_000);
});
