import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { DEFAULT_CUSTOMER, OPERATOR, type Caller } from './tokens';
import { freePort } from './free-port';
import { requestJson, type JsonResponse } from './json-request';
import { isTerminalStatus } from './order-requests';
import { startTemporalDevServer, type TemporalDevServer } from './temporal-dev-server';
import { createTestDatabase, type TestDatabase } from './database';
import { waitFor } from './wait-for';
import { startApiProcess, type ApiProcess, startWorkerProcess, type WorkerProcess } from './app-processes';

export type { JsonResponse };

/**
 * The production topology on one machine: a real Temporal server (`temporal server start-dev`), a
 * PostgreSQL database of its own, the API process with `TEMPORAL_ADDRESS` set and a worker process, on a
 * task queue of this run's own.
 */
export interface LiveTopology {
  temporal: TemporalDevServer;
  db: TestDatabase;
  api: ApiProcess;
  worker: WorkerProcess;
  client: Client;
  taskQueue: string;
  /** Environment both processes share (database, Temporal, queue, fault refresh). */
  sharedEnv: Record<string, string>;
  workerUrl(): string;
  /** A request to the API as `as` (a customer or an operator, with a token of the API's local key). */
  request(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
    as?: Caller,
  ): Promise<JsonResponse>;
  /** `GET /orders/:id` as the order's customer. */
  order(id: string): Promise<any>;
  /** Waits until the order is COMPLETED, FAILED or CANCELLED and returns it (read as its customer). */
  finalState(id: string, timeoutMs?: number): Promise<any>;
  /** Switches faults through the API and waits until the worker applies them (`fault_injection_active`). */
  setFaults(faults: unknown): Promise<void>;
  clearFaults(): Promise<void>;
  /** Starts another worker process (after the first was stopped or killed). */
  startWorker(env?: Record<string, string>): Promise<WorkerProcess>;
  close(): Promise<void>;
}

export async function startLiveTopology(
  options: { apiEnv?: Record<string, string>; workerEnv?: Record<string, string> } = {},
): Promise<LiveTopology> {
  const [temporal, db] = await Promise.all([startTemporalDevServer(), createTestDatabase('live')]);
  const taskQueue = `orders-live-${randomUUID()}`;
  const sharedEnv = {
    DATABASE_URL: db.url,
    TEMPORAL_ADDRESS: temporal.address,
    TEMPORAL_TASK_QUEUE: taskQueue,
    FAULT_INJECTION_REFRESH_MS: '200',
    DATABASE_POOL_MAX: '20',
  };
  const startWorker = async (env: Record<string, string> = {}) =>
    startWorkerProcess({
      ...sharedEnv,
      TEMPORAL_METRICS_PORT: String(await freePort()),
      ...options.workerEnv,
      ...env,
    });
  let api: ApiProcess | undefined;
  let worker: WorkerProcess;
  try {
    // The API applies the migrations; the worker starts on the migrated schema, as compose orders them.
    api = await startApiProcess({
      ...sharedEnv,
      SEED_DEMO_CATALOG: 'false',
      ORDER_RATE_LIMIT_PER_MINUTE: '1000', // the tests place many orders as one customer
      ...options.apiEnv,
    });
    worker = await startWorker();
  } catch (error) {
    // Leave nothing behind when a process does not come up: the test reports why.
    await api?.stop();
    await temporal.close();
    await db.drop();
    throw error;
  }
  const connection = await Connection.connect({ address: temporal.address });
  const client = new Client({ connection });

  // Who placed each order, so that it is read back as its customer.
  const customers = new Map<string, Caller>();
  const request = async (
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
    as: Caller = DEFAULT_CUSTOMER,
  ) => {
    const response = await requestJson(api.baseUrl, method, path, {
      body,
      headers: { ...(await api.tokens.headers(as)), ...headers },
    });
    if (method === 'POST' && path === '/orders' && typeof response.body?.id === 'string')
      customers.set(response.body.id as string, as);
    return response;
  };
  /** The order's customer: known from its 202, else (an order accepted late, e.g. by a job) stored with it. */
  const customerOf = async (id: string): Promise<Caller> => {
    const known = customers.get(id);
    if (known) return known;
    const [row] = await db.query<{ customer_id: string }>('SELECT customer_id FROM orders WHERE id = $1', [
      id,
    ]);
    return row?.customer_id ?? DEFAULT_CUSTOMER;
  };
  const workerUrl = () => worker.baseUrl.replace('[::1]', '127.0.0.1');
  const workerFaults = async () => {
    const text = await (await fetch(`${workerUrl()}/metrics`)).text();
    return [...text.matchAll(/^fault_injection_active\{fault="([^"]+)"\} 1$/gm)].map((m) => m[1]).sort();
  };

  return {
    temporal,
    db,
    api: api,
    get worker() {
      return worker;
    },
    client,
    taskQueue,
    sharedEnv,
    workerUrl,
    request,
    order: async (id) => (await request('GET', `/orders/${id}`, undefined, {}, await customerOf(id))).body,
    finalState: (id, timeoutMs = 30_000) =>
      waitFor(
        async () => (await request('GET', `/orders/${id}`, undefined, {}, await customerOf(id))).body,
        (order) => isTerminalStatus(order),
        timeoutMs,
        100,
      ),
    async setFaults(faults) {
      const response = await request('PUT', '/admin/faults', faults, {}, OPERATOR);
      if (response.status !== 200)
        throw new Error(`PUT /admin/faults: ${response.status} ${JSON.stringify(response.body)}`);
      const active = [...(response.body.active as string[])].sort().join();
      await waitFor(workerFaults, (applied) => applied.join() === active, 10_000, 50);
    },
    async clearFaults() {
      const response = await request('DELETE', '/admin/faults', undefined, {}, OPERATOR);
      if (response.status !== 200) throw new Error(`DELETE /admin/faults: ${response.status}`);
      await waitFor(workerFaults, (applied) => applied.length === 0, 10_000, 50);
    },
    async startWorker(env) {
      worker = await startWorker(env);
      return worker;
    },
    async close() {
      await connection.close();
      await Promise.all([worker.stop(), api.stop()]);
      await temporal.close();
      await db.drop();
    },
  };
}
