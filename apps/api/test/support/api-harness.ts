import { requestJson } from '../../../../test/support/json-request';
import { WORKFLOW_ENGINE, type WorkflowEngine } from '@app/orders';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createTestDatabase, type TestDatabase } from '../../../../test/support/test-database';
import { waitFor } from '../../../../test/support/wait-for';
import { loadApiConfig } from '../../src/config/api.config';
import { createApiApp } from '../../src/create-api-app';

export const OPERATOR_KEY = 'test-operator-key-0123456789';

export interface HttpResult<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export interface RunningApi {
  app: NestFastifyApplication;
  db: TestDatabase;
  baseUrl: string;
  engine: WorkflowEngine;
  request<T = any>(
    method: string,
    path: string,
    init?: { body?: unknown; raw?: string | Buffer; headers?: Record<string, string> },
  ): Promise<HttpResult<T>>;
  waitForOrder(id: string, done: (order: any) => boolean, timeoutMs?: number): Promise<any>;
  close(): Promise<void>;
}

/**
 * The real API (Fastify, validation, inline saga engine) on a fresh PostgreSQL database, listening on
 * an ephemeral port. Simulated providers answer in 5 ms unless `env` says otherwise. Pass `shared.db`
 * to start another replica on an existing database (left in place on close).
 */
export async function startApi(
  env: Record<string, string> = {},
  shared: { db?: TestDatabase } = {},
): Promise<RunningApi> {
  const db = shared.db ?? (await createTestDatabase());
  const ownsDatabase = shared.db === undefined;
  const config = loadApiConfig({
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    METRICS_PORT: '0',
    SHUTDOWN_READINESS_DRAIN_MS: '0',
    PAYMENT_SIM_LATENCY_MS: '5',
    CARRIER_SIM_LATENCY_MS: '5',
    OPERATOR_API_KEY: OPERATOR_KEY,
    ...env,
  });
  let app: NestFastifyApplication | undefined;
  try {
    app = await createApiApp({ ...config, databaseUrl: db.url });
    await app.listen({ port: 0, host: '127.0.0.1' });
  } catch (error) {
    await app?.close();
    if (ownsDatabase) await db.drop();
    throw error;
  }
  const running = app;
  const baseUrl = (await app.getUrl()).replace('[::1]', '127.0.0.1');

  const request: RunningApi['request'] = (method, path, init = {}) =>
    requestJson(baseUrl, method, path, init);

  return {
    app: running,
    db,
    baseUrl,
    engine: running.get<WorkflowEngine>(WORKFLOW_ENGINE),
    request,
    waitForOrder: async (id, done, timeoutMs = 15_000) =>
      (
        await waitFor(
          () => request('GET', `/orders/${id}`),
          (r) => r.status === 200 && done(r.body),
          timeoutMs,
        )
      ).body,
    async close() {
      await running.close();
      if (ownsDatabase) await db.drop();
    },
  };
}

/** A valid order body; override parts per test. */
export { DECLINED_CARD, isTerminalStatus, orderBody } from '../../../../test/support/order-requests';
