import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { promisify } from 'node:util';
import { MIGRATIONS, runPendingMigrations } from '@app/database';
import { ORDER_SEARCH_ATTRIBUTES, orderSagaWorkflow, orderSearchAttributes } from '@app/order-saga';
import { Client, Connection } from '@temporalio/client';
import { DataSource } from 'typeorm';
import { describeWithServers } from '../../../test/support/real-servers';
import { startWorkerProcess, type WorkerProcess } from '../../../tooling/app-processes';
import { createTestDatabase, type TestDatabase } from '../../../tooling/database';
import { freePort } from '../../../tooling/free-port';
import { startLiveTopology, type LiveTopology } from '../../../tooling/live-topology';
import { insertProduct } from '../../../tooling/order-fixtures';
import { orderBody } from '../../../tooling/order-requests';
import { requireServer } from '../../../tooling/real-servers';
import { startTemporalDevServer, type TemporalDevServer } from '../../../tooling/temporal-dev-server';
import { OPERATOR } from '../../../tooling/tokens';
import { waitFor } from '../../../tooling/wait-for';

const execFileAsync = promisify(execFile);

/** The order attributes and their types, as `temporal operator search-attribute list` names them. */
const ORDER_ATTRIBUTE_TYPES = {
  OrderStatus: 'INDEXED_VALUE_TYPE_KEYWORD',
  OrderStatusChangedAt: 'INDEXED_VALUE_TYPE_DATETIME',
  CustomerId: 'INDEXED_VALUE_TYPE_KEYWORD',
  OrderTotal: 'INDEXED_VALUE_TYPE_INT',
};

/**
 * Payment latency that holds a saga in its charge step for as long as it is set: longer than the step's
 * start-to-close timeout (15 s), so each attempt times out and the next one waits again.
 */
const HOLD_IN_CHARGE_MS = 20_000;

/** The Temporal CLI (the binary operators run) against `address`, its JSON output parsed. */
async function temporalCli<T>(address: string, args: string[]): Promise<T> {
  const { stdout } = await execFileAsync(
    requireServer('temporal'),
    [...args, '--address', address, '--namespace', 'default', '--output', 'json'],
    // Only PATH and HOME: no TEMPORAL_* variable of the machine's may point it elsewhere.
    { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' }, timeout: 30_000 },
  );
  return JSON.parse(stdout) as T;
}

/** The namespace's custom search attributes and their types (`temporal operator search-attribute list`). */
async function customAttributes(address: string): Promise<Record<string, string>> {
  const listed = await temporalCli<{ customAttributes?: Record<string, string> }>(address, [
    'operator',
    'search-attribute',
    'list',
  ]);
  return listed.customAttributes ?? {};
}

interface ListedRun {
  workflowId: string;
  runId: string;
  status: string;
  /** Its search attributes, decoded from their JSON payloads. */
  attributes: Record<string, unknown>;
}

interface CliPayload {
  data?: string;
}

/** `temporal workflow list --query <query>`: every run that matches, newest first. */
async function listWorkflows(address: string, query: string): Promise<ListedRun[]> {
  const runs = await temporalCli<
    Array<{
      execution: { workflowId: string; runId: string };
      status: string;
      searchAttributes?: { indexedFields?: Record<string, CliPayload> };
    }>
  >(address, ['workflow', 'list', '--query', query]);
  return runs.map((run) => ({
    workflowId: run.execution.workflowId,
    runId: run.execution.runId,
    status: run.status,
    attributes: Object.fromEntries(
      Object.entries(run.searchAttributes?.indexedFields ?? {}).map(([name, payload]) => [
        name,
        payload.data ? JSON.parse(Buffer.from(payload.data, 'base64').toString('utf8')) : null,
      ]),
    ),
  }));
}

const workflowIdsOf = (runs: ListedRun[]) => runs.map((run) => run.workflowId).sort();

/**
 * One TCP proxy to the Temporal frontend per process: each holds what its first connection sends until
 * every proxy has a connection waiting, then lets them all through at once, so that processes that boot
 * at their own pace make their first calls to Temporal together. After `timeoutMs` it lets through what
 * waits anyway, and `gathered` rejects.
 */
async function startTemporalGates(
  target: string,
  count: number,
  timeoutMs: number,
): Promise<{ addresses: string[]; gathered: Promise<void>; close(): Promise<void> }> {
  const [host, port] = [target.slice(0, target.lastIndexOf(':')), Number(target.split(':').at(-1))];
  const sockets = new Set<Socket>();
  const waiting: Array<Array<() => void>> = Array.from({ length: count }, () => []);
  let isOpen = false;
  let gather!: () => void;
  let miss!: (error: Error) => void;
  const gathered = new Promise<void>((resolve, reject) => {
    gather = resolve;
    miss = reject;
  });
  gathered.catch(() => undefined); // the test observes it
  const release = () => {
    isOpen = true;
    clearTimeout(timer);
    for (const letThrough of waiting.flatMap((queue) => queue.splice(0))) letThrough();
  };
  const timer = setTimeout(() => {
    miss(
      new Error(
        `${waiting.filter((queue) => queue.length > 0).length} of ${count} processes reached Temporal in ${timeoutMs} ms`,
      ),
    );
    release();
  }, timeoutMs);
  const servers: Server[] = [];
  for (let index = 0; index < count; index++) {
    const server = createServer((client) => {
      const upstream = connect(port, host);
      for (const socket of [client, upstream]) {
        sockets.add(socket);
        socket.on('error', () => undefined);
        socket.on('close', () => {
          sockets.delete(socket);
          client.destroy();
          upstream.destroy();
        });
      }
      upstream.pipe(client);
      // A socket reads nothing until piped: the client's bytes wait in it until the gate opens.
      const letThrough = () => client.pipe(upstream);
      if (isOpen) return letThrough();
      waiting[index].push(letThrough);
      if (waiting.every((queue) => queue.length > 0)) {
        release();
        gather();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push(server);
  }
  return {
    addresses: servers.map((server) => `127.0.0.1:${(server.address() as { port: number }).port}`),
    gathered,
    async close() {
      clearTimeout(timer);
      for (const socket of sockets) socket.destroy();
      await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
    },
  };
}

describeWithServers(['temporal'], 'order administration on a real Temporal server', () => {
  describe('the production topology', () => {
    let live: LiveTopology;
    let client: Client;
    const address = () => live.temporal.address;
    const place = (customer: string, quantity = 1) =>
      live.request('POST', '/orders', orderBody({ items: [{ sku: 'ADM-1', quantity }] }), {}, customer);
    const placeOrderOf = async (customer: string, quantity = 1): Promise<string> => {
      const placed = await place(customer, quantity);
      expect(placed.status).toBe(202);
      return placed.body.id as string;
    };
    const completed = async (id: string) => {
      const order = await live.finalState(id, 60_000);
      expect(order.status).toBe('COMPLETED');
      return order;
    };
    const asOperator = (method: string, path: string, body?: unknown) =>
      live.request(method, path, body, {}, OPERATOR);
    const statusOf = async (id: string): Promise<string> => (await live.order(id)).status;
    const reaches = (id: string, status: string) =>
      waitFor(
        () => statusOf(id),
        (current) => current === status,
        20_000,
        50,
      );
    /** The workflow's own (latest run's) order attributes, read from the server. */
    const attributesOf = async (id: string) => {
      const description = await client.workflow.getHandle(`order-${id}`).describe();
      const typed = description.typedSearchAttributes;
      return {
        runId: description.runId,
        execution: description.status.name,
        status: typed.get(ORDER_SEARCH_ATTRIBUTES.status),
        statusChangedAt: typed.get(ORDER_SEARCH_ATTRIBUTES.statusChangedAt),
        customerId: typed.get(ORDER_SEARCH_ATTRIBUTES.customerId),
        total: typed.get(ORDER_SEARCH_ATTRIBUTES.total),
      };
    };
    /** Once the workflow has recorded the status the order reached. */
    const attributesOnceStatus = (id: string, status: string) =>
      waitFor(
        () => attributesOf(id),
        (attributes) => attributes.status === status,
        20_000,
        50,
      );
    const stepLog = (id: string) =>
      live.db.query<{ step: string; attempts: number; last_started_at: Date; outcome: string }>(
        'SELECT step, attempts, last_started_at, outcome FROM order_saga_steps WHERE order_id = $1 ORDER BY step',
        [id],
      );
    const capturesOf = async (id: string) =>
      Number(
        (
          await live.db.query<{ count: string }>(
            `SELECT count(*) FROM simulated_provider_ledger
              WHERE kind = 'charge' AND outcome = 'captured' AND order_id = $1`,
            [id],
          )
        )[0].count,
      );
    /** Activity types a run scheduled, in order, read from its history. */
    const scheduledActivities = async (id: string, runId: string) => {
      const history = await client.workflow.getHandle(`order-${id}`, runId).fetchHistory();
      return (history.events ?? []).flatMap((event) => {
        const name = event.activityTaskScheduledEventAttributes?.activityType?.name;
        return name ? [name] : [];
      });
    };
    /** Every run of the order's workflow (`temporal workflow list`), newest first. */
    const runsOf = (id: string) => listWorkflows(address(), `WorkflowId = 'order-${id}'`);

    beforeAll(async () => {
      live = await startLiveTopology();
      client = live.client;
      await insertProduct(live.db, 'ADM-1', 1_000);
    }, 180_000);

    afterEach(async () => {
      await live.clearFaults();
    });

    afterAll(async () => {
      await live?.close();
    }, 90_000);

    it('the worker registered the four order search attributes on the namespace, with their types', async () => {
      // A fresh dev server: nothing but the worker could have added them.
      await waitFor(
        async () => live.worker.output(),
        (output) => /registered search attributes [^"]*OrderStatus/.test(output),
        5_000,
        20,
      );
      const custom = await customAttributes(address());
      expect(
        Object.fromEntries(Object.keys(ORDER_ATTRIBUTE_TYPES).map((name) => [name, custom[name]])),
      ).toEqual(ORDER_ATTRIBUTE_TYPES);
      // The client's operator service reports them the same.
      const { customAttributes: viaClient } = await client.connection.operatorService.listSearchAttributes({
        namespace: 'default',
      });
      expect(Object.keys(viaClient ?? {}).sort()).toEqual(Object.keys(ORDER_ATTRIBUTE_TYPES).sort());
    });

    it("GET /admin/orders/:id shows a completed order's workflow, its run and the saga's steps", async () => {
      const id = await placeOrderOf(`adm-view-${randomUUID()}`);
      await completed(id);
      const handle = client.workflow.getHandle(`order-${id}`);
      await handle.result(); // the row turns COMPLETED in the last activity, the workflow just after it
      const { runId } = await handle.describe();

      const view = await asOperator('GET', `/admin/orders/${id}`);
      expect(view.status).toBe(200);
      expect(view.body).toMatchObject({
        id,
        status: 'COMPLETED',
        workflow: { engine: 'temporal', workflowId: `order-${id}`, runId, status: 'COMPLETED' },
      });
      expect(view.body).toHaveProperty('traceId');
      const steps = view.body.steps as Array<{ step: string; attempts: number; outcome: string }>;
      expect(steps.map(({ step, attempts, outcome }) => ({ step, attempts, outcome }))).toEqual(
        expect.arrayContaining(
          ['reserveInventory', 'chargePayment', 'arrangeShipping', 'completeOrder'].map((step) => ({
            step,
            attempts: 1,
            outcome: 'completed',
          })),
        ),
      );
      // An operator's view, not a customer's: the order's own customer is refused it.
      const customer = view.body.customerId as string;
      expect((await live.request('GET', `/admin/orders/${id}`, undefined, {}, customer)).status).toBe(403);
    });

    it("temporal workflow list --query \"CustomerId='…'\" finds exactly that customer's workflows", async () => {
      const [alice, bob] = [`adm-alice-${randomUUID()}`, `adm-bob-${randomUUID()}`];
      const alicesOrders = [await placeOrderOf(alice, 1), await placeOrderOf(alice, 3)];
      const bobsOrders = [await placeOrderOf(bob, 2)];
      const orders = await Promise.all([...alicesOrders, ...bobsOrders].map(completed));
      const totals = Object.fromEntries(orders.map((order) => [`order-${order.id}`, order.total as number]));

      for (const [customer, ids] of [
        [alice, alicesOrders],
        [bob, bobsOrders],
      ] as const) {
        const expected = ids.map((id) => `order-${id}`).sort();
        const found = await waitFor(
          () => listWorkflows(address(), `CustomerId = '${customer}'`),
          (runs) => expected.every((id) => runs.some((run) => run.workflowId === id)),
          15_000,
          200,
        );
        expect(workflowIdsOf(found)).toEqual(expected);
        for (const run of found)
          expect(run.attributes).toMatchObject({ CustomerId: customer, OrderTotal: totals[run.workflowId] });
      }
      expect(await listWorkflows(address(), `CustomerId = 'adm-nobody-${randomUUID()}'`)).toEqual([]);
    });

    it('stuck orders: running workflows whose status changed before an instant; completed ones by OrderStatus', async () => {
      const customer = `adm-stuck-${randomUUID()}`;
      const done = await Promise.all([placeOrderOf(customer), placeOrderOf(customer)]);
      for (const id of done) await completed(id);
      for (const id of done) await client.workflow.getHandle(`order-${id}`).result();

      await live.setFaults({ payment: { latencyMs: HOLD_IN_CHARGE_MS } });
      const stuck = await placeOrderOf(customer);
      await reaches(stuck, 'INVENTORY_RESERVED');
      const held = await attributesOnceStatus(stuck, 'INVENTORY_RESERVED');
      expect(held.execution).toBe('RUNNING');
      const changedAt = held.statusChangedAt!;
      // A second held order, whose status changed after the first's.
      const later = await placeOrderOf(customer);
      await reaches(later, 'INVENTORY_RESERVED');
      const laterChangedAt = (await attributesOnceStatus(later, 'INVENTORY_RESERVED')).statusChangedAt!;
      expect(laterChangedAt.getTime()).toBeGreaterThan(changedAt.getTime() + 1);

      try {
        const before = (instant: Date) =>
          `ExecutionStatus = 'Running' AND OrderStatusChangedAt < '${instant.toISOString()}'`;
        const found = await waitFor(
          () => listWorkflows(address(), before(new Date(changedAt.getTime() + 1))),
          (runs) => runs.length > 0,
          15_000,
          200,
        );
        // Not the later one, and not the completed ones, though their status changed before that instant.
        expect(workflowIdsOf(found)).toEqual([`order-${stuck}`]);
        expect(found[0].attributes).toMatchObject({
          OrderStatus: 'INVENTORY_RESERVED',
          CustomerId: customer,
        });
        // The same instant, however Temporal writes it (it drops trailing zeros of the fraction).
        expect(Date.parse(String(found[0].attributes.OrderStatusChangedAt))).toBe(changedAt.getTime());
        expect(found[0].status).toBe('WORKFLOW_EXECUTION_STATUS_RUNNING');
        // The attribute is the time of its last change: an instant before it finds nothing.
        expect(await listWorkflows(address(), before(changedAt))).toEqual([]);
        expect(
          workflowIdsOf(await listWorkflows(address(), before(new Date(laterChangedAt.getTime() + 1)))),
        ).toEqual([`order-${later}`, `order-${stuck}`].sort());

        // The workflows kept the status current up to their end.
        const completedRuns = await listWorkflows(
          address(),
          `OrderStatus = 'COMPLETED' AND CustomerId = '${customer}'`,
        );
        expect(workflowIdsOf(completedRuns)).toEqual(done.map((id) => `order-${id}`).sort());
        for (const run of completedRuns) expect(run.status).toBe('WORKFLOW_EXECUTION_STATUS_COMPLETED');
        const allCompleted = await listWorkflows(address(), `OrderStatus = 'COMPLETED'`);
        expect(allCompleted.every((run) => run.status === 'WORKFLOW_EXECUTION_STATUS_COMPLETED')).toBe(true);
        expect(workflowIdsOf(allCompleted)).not.toContain(`order-${stuck}`);

        // The operators' own list of stuck orders shows it too, waiting in its charge step.
        const listed = await waitFor(
          async () => (await asOperator('GET', '/admin/orders/stuck?olderThan=PT1S')).body,
          (body) => Array.isArray(body?.items) && body.items.some((item: any) => item.id === stuck),
          15_000,
          200,
        );
        expect(listed.items.find((item: any) => item.id === stuck)).toMatchObject({
          status: 'INVENTORY_RESERVED',
          currentStep: 'chargePayment',
          waitingFor: expect.stringContaining('payment'),
        });
        const listedIds = listed.items.map((item: any) => item.id as string);
        for (const id of done) expect(listedIds).not.toContain(id);
      } finally {
        // Nothing left running for the tests after this one.
        for (const id of [stuck, later])
          await client.workflow.getHandle(`order-${id}`).terminate('held by the test, no longer needed');
      }
    }, 120_000);

    it('resume of an order whose workflow was terminated: a new run from its recorded state, charged once', async () => {
      await live.setFaults({ payment: { latencyMs: HOLD_IN_CHARGE_MS } });
      const id = await placeOrderOf(`adm-resume-${randomUUID()}`, 2);
      await reaches(id, 'INVENTORY_RESERVED');
      const handle = client.workflow.getHandle(`order-${id}`);
      const terminatedRun = (await handle.describe()).runId;
      const [reserved] = (await stepLog(id)).filter((row) => row.step === 'reserveInventory');
      expect(reserved).toMatchObject({ outcome: 'completed' });
      expect(reserved.attempts).toBeGreaterThanOrEqual(1);

      await handle.terminate('an operator stopped it');
      await live.clearFaults();
      const gone = await asOperator('GET', `/admin/orders/${id}`);
      expect(gone.body).toMatchObject({
        status: 'INVENTORY_RESERVED',
        workflow: {
          engine: 'temporal',
          workflowId: `order-${id}`,
          runId: terminatedRun,
          status: 'TERMINATED',
        },
      });

      const resumed = await asOperator('POST', `/admin/orders/${id}/resume`);
      expect(resumed.status).toBe(202);
      expect(resumed.body).toMatchObject({ outcome: 'started', order: { id, status: 'INVENTORY_RESERVED' } });

      const order = await live.finalState(id, 60_000);
      expect(order).toMatchObject({ status: 'COMPLETED', payment: { status: 'CAPTURED' } });
      const view = await waitFor(
        async () => (await asOperator('GET', `/admin/orders/${id}`)).body,
        (body) => body.workflow?.status === 'COMPLETED',
        15_000,
        100,
      );
      const newRun = view.workflow.runId as string;
      expect(newRun).toEqual(expect.any(String));
      expect(newRun).not.toBe(terminatedRun);
      expect((await handle.describe()).runId).toBe(newRun);
      expect((await client.workflow.getHandle(`order-${id}`, terminatedRun).describe()).status.name).toBe(
        'TERMINATED',
      );
      expect((await runsOf(id)).map((run) => [run.runId, run.status])).toEqual(
        expect.arrayContaining([
          [newRun, 'WORKFLOW_EXECUTION_STATUS_COMPLETED'],
          [terminatedRun, 'WORKFLOW_EXECUTION_STATUS_TERMINATED'],
        ]),
      );
      // The new run picked up after the reservation: it never scheduled it, and its step log row is as it was.
      expect(await scheduledActivities(id, newRun)).toEqual([
        'chargePayment',
        'arrangeShipping',
        'completeOrder',
      ]);
      const [reservedAfter] = (await stepLog(id)).filter((row) => row.step === 'reserveInventory');
      expect(reservedAfter).toEqual(reserved);
      expect(await capturesOf(id)).toBe(1);
      // The new run carries the order's attributes, kept current to its end.
      expect(await attributesOf(id)).toMatchObject({
        runId: newRun,
        status: 'COMPLETED',
        total: order.total,
      });
    }, 120_000);

    it('resume of a running workflow leaves it running; resume of a finished order is refused', async () => {
      const finished = await placeOrderOf(`adm-finished-${randomUUID()}`);
      await completed(finished);
      const refused = await asOperator('POST', `/admin/orders/${finished}/resume`);
      expect(refused.status).toBe(409);
      expect(refused.body.code).toBe('ORDER_ALREADY_FINISHED');
      expect(await runsOf(finished)).toHaveLength(1);

      // Held in its charge step for less than the step's timeout: it finishes by itself once cancelled.
      await live.setFaults({ payment: { latencyMs: 12_000 } });
      const running = await placeOrderOf(`adm-running-${randomUUID()}`);
      await reaches(running, 'INVENTORY_RESERVED');
      const { runId } = await client.workflow.getHandle(`order-${running}`).describe();
      const resumed = await asOperator('POST', `/admin/orders/${running}/resume`);
      expect(resumed.status).toBe(202);
      expect(resumed.body).toMatchObject({ outcome: 'already-running', order: { id: running } });
      const after = await client.workflow.getHandle(`order-${running}`).describe();
      expect({ runId: after.runId, status: after.status.name }).toEqual({ runId, status: 'RUNNING' });
      expect(await runsOf(running)).toHaveLength(1);

      const cancelled = await asOperator('POST', `/admin/orders/${running}/cancel`, {
        reason: 'customer asked by phone',
      });
      expect(cancelled.status).toBe(202);
      await live.clearFaults();
      expect((await live.finalState(running, 60_000)).status).toBe('CANCELLED');
      const again = await asOperator('POST', `/admin/orders/${running}/resume`);
      expect([again.status, again.body.code]).toEqual([409, 'ORDER_ALREADY_FINISHED']);
    }, 120_000);
  });

  describe('two workers starting together on a namespace without the order attributes', () => {
    /** Two workers compile and boot at once on two shared cores. */
    const START_TIMEOUT_MS = 240_000;
    let temporal: TemporalDevServer;
    let db: TestDatabase;
    let gates: Awaited<ReturnType<typeof startTemporalGates>> | undefined;
    const workers: WorkerProcess[] = [];

    beforeAll(async () => {
      [temporal, db] = await Promise.all([startTemporalDevServer(), createTestDatabase('orders_attrs')]);
      // A migrated database, so that the workers race for the search attributes only.
      const source = await new DataSource({
        type: 'postgres',
        url: db.url,
        migrations: MIGRATIONS,
      }).initialize();
      try {
        await runPendingMigrations(source);
      } finally {
        await source.destroy();
      }
    }, 120_000);

    afterAll(async () => {
      await Promise.all(workers.map((worker) => worker.stop()));
      await gates?.close();
      await temporal?.close();
      await db?.drop();
    }, 60_000);

    it(
      'both come up, and the namespace has each of the four attributes once',
      async () => {
        const before = await customAttributes(temporal.address);
        expect(Object.keys(before).filter((name) => name in ORDER_ATTRIBUTE_TYPES)).toEqual([]);

        // Each worker's first call to Temporal waits at a gate until the other's has come too.
        gates = await startTemporalGates(temporal.address, 2, START_TIMEOUT_MS - 60_000);
        const taskQueue = `orders-attrs-${randomUUID()}`;
        const started = await Promise.allSettled(
          gates.addresses.map(async (gate) =>
            startWorkerProcess(
              {
                DATABASE_URL: db.url,
                TEMPORAL_ADDRESS: gate,
                TEMPORAL_TASK_QUEUE: taskQueue,
                TEMPORAL_METRICS_PORT: String(await freePort()),
                DATABASE_POOL_MAX: '4',
              },
              START_TIMEOUT_MS,
            ),
          ),
        );
        for (const result of started) if (result.status === 'fulfilled') workers.push(result.value);
        expect(
          started.flatMap((result) =>
            result.status === 'rejected' ? [String(result.reason).slice(0, 3_000)] : [],
          ),
        ).toEqual([]);
        await expect(gates.gathered).resolves.toBeUndefined();

        for (const worker of workers) {
          const url = `${worker.baseUrl.replace('[::1]', '127.0.0.1')}/health/ready`;
          // Ready once it polls; just after two boots on busy cores, event-loop lag may hold readiness back.
          const ready = await waitFor(
            async () => {
              const response = await fetch(url);
              return { status: response.status, body: await response.json() };
            },
            (answer) => answer.status === 200,
            30_000,
            100,
          );
          expect(ready.body).toMatchObject({ info: { temporal_worker: { status: 'up', state: 'RUNNING' } } });
        }
        const registered = workers.map(
          (worker) =>
            /registered search attributes ([A-Za-z, ]+) on namespace/.exec(worker.output())?.[1] ?? '',
        );
        process.stderr.write(`search attributes registered by each worker: ${JSON.stringify(registered)}\n`);
        // Between them they added all four.
        expect([...new Set(registered.flatMap((names) => names.split(', ').filter(Boolean)))].sort()).toEqual(
          Object.keys(ORDER_ATTRIBUTE_TYPES).sort(),
        );

        const custom = await customAttributes(temporal.address);
        expect(custom).toEqual(ORDER_ATTRIBUTE_TYPES);
        // Each is mapped to one field of the visibility store, not to one per worker that added it.
        const namespace = await temporalCli<{
          config?: { customSearchAttributeAliases?: Record<string, string> };
        }>(temporal.address, ['operator', 'namespace', 'describe']);
        expect(Object.values(namespace.config?.customSearchAttributeAliases ?? {}).sort()).toEqual(
          Object.keys(ORDER_ATTRIBUTE_TYPES).sort(),
        );

        // A workflow started with them is found by them.
        const connection = await Connection.connect({ address: temporal.address });
        try {
          const client = new Client({ connection });
          const customerId = `adm-attrs-${randomUUID()}`;
          const statusChangedAt = new Date();
          const handle = await client.workflow.start(orderSagaWorkflow, {
            taskQueue: `nobody-polls-${randomUUID()}`,
            workflowId: `attrs-${randomUUID()}`,
            args: [{ orderId: randomUUID() }],
            typedSearchAttributes: orderSearchAttributes({
              customerId,
              total: 4_250,
              status: 'PENDING',
              statusChangedAt,
            }),
          });
          try {
            const found = await waitFor(
              () =>
                listWorkflows(
                  temporal.address,
                  `CustomerId = '${customerId}' AND OrderStatus = 'PENDING' AND OrderTotal = 4250 AND OrderStatusChangedAt < '${new Date(statusChangedAt.getTime() + 1).toISOString()}'`,
                ),
              (runs) => runs.length > 0,
              15_000,
              200,
            );
            expect(workflowIdsOf(found)).toEqual([handle.workflowId]);
          } finally {
            await handle.terminate('only its search attributes were needed');
          }
        } finally {
          await connection.close();
        }
      },
      START_TIMEOUT_MS + 60_000,
    );
  });
});
