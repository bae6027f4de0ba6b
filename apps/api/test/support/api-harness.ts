import { AccessTokens, createKeyFolder, DEFAULT_CUSTOMER, type Caller } from '../../../../tooling/tokens';
import { requestJson } from '../../../../tooling/json-request';
import { WORKFLOW_ENGINE, type WorkflowEngine } from '@app/orders';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createTestDatabase, type TestDatabase } from '../../../../tooling/database';
import { waitFor } from '../../../../tooling/wait-for';
import { loadApiConfig } from '../../src/config/api.config';
import { createApiApp } from '../../src/create-api-app';

export interface HttpResult<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export interface RequestInit {
  body?: unknown;
  raw?: string | Buffer;
  headers?: Record<string, string>;
  /**
   * Who sends it: a customer id or an operator, with a token signed by the API's local key; `null`: no
   * Authorization header. An `authorization` in `headers` is sent as it is. @default DEFAULT_CUSTOMER
   */
  as?: Caller | null;
}

export interface RunningApi {
  app: NestFastifyApplication;
  db: TestDatabase;
  baseUrl: string;
  engine: WorkflowEngine;
  /** The API's local signing key (AUTH_LOCAL_KEY_FILE), generated on its start. */
  keyFile: string;
  /** Tokens signed with that key. */
  tokens: AccessTokens;
  request<T = any>(method: string, path: string, init?: RequestInit): Promise<HttpResult<T>>;
  /** Polls `GET /orders/:id` (as `as`, the order's customer) until `done` holds. */
  waitForOrder(id: string, done: (order: any) => boolean, timeoutMs?: number, as?: Caller): Promise<any>;
  close(): Promise<void>;
}

/**
 * The real API (Fastify, validation, inline saga engine, bearer tokens from a local key it generates in
 * a temporary folder) on a fresh PostgreSQL database, listening on an ephemeral port. Simulated
 * providers answer in 5 ms unless `env` says otherwise. Pass `shared.db` to start another replica on an
 * existing database (left in place on close), `shared.keyFile` to share a replica's signing key.
 */
export async function startApi(
  env: Record<string, string> = {},
  shared: { db?: TestDatabase; keyFile?: string } = {},
): Promise<RunningApi> {
  const db = shared.db ?? (await createTestDatabase());
  const ownsDatabase = shared.db === undefined;
  const keys = shared.keyFile ? undefined : await createKeyFolder();
  const keyFile = shared.keyFile ?? keys!.keyFile;
  const config = loadApiConfig({
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    METRICS_PORT: '0',
    SHUTDOWN_READINESS_DRAIN_MS: '0',
    PAYMENT_SIM_LATENCY_MS: '5',
    CARRIER_SIM_LATENCY_MS: '5',
    AUTH_LOCAL_KEY_FILE: keyFile,
    ...env,
  });
  let app: NestFastifyApplication | undefined;
  let tokens: AccessTokens;
  try {
    app = await createApiApp({ ...config, databaseUrl: db.url });
    await app.listen({ port: 0, host: '127.0.0.1' });
    tokens = await AccessTokens.fromKeyFile(keyFile, { create: config.auth.mode === 'jwks' });
  } catch (error) {
    await app?.close();
    if (ownsDatabase) await db.drop();
    await keys?.remove();
    throw error;
  }
  const running = app;
  const baseUrl = (await app.getUrl()).replace('[::1]', '127.0.0.1');

  const request: RunningApi['request'] = async (method, path, { as, ...init } = {}) => {
    const headers = { ...init.headers };
    const caller = as === undefined ? DEFAULT_CUSTOMER : as;
    if (caller !== null && !Object.keys(headers).some((h) => h.toLowerCase() === 'authorization'))
      Object.assign(headers, await tokens.headers(caller));
    return requestJson(baseUrl, method, path, { ...init, headers });
  };

  return {
    app: running,
    db,
    baseUrl,
    engine: running.get<WorkflowEngine>(WORKFLOW_ENGINE),
    keyFile,
    tokens,
    request,
    waitForOrder: async (id, done, timeoutMs = 15_000, as = DEFAULT_CUSTOMER) =>
      (
        await waitFor(
          () => request('GET', `/orders/${id}`, { as }),
          (r) => r.status === 200 && done(r.body),
          timeoutMs,
        )
      ).body,
    async close() {
      await running.close();
      if (ownsDatabase) await db.drop();
      await keys?.remove();
    },
  };
}

/** A valid order body; override parts per test. */
export { DECLINED_CARD, isTerminalStatus, orderBody } from '../../../../tooling/order-requests';
export { DEFAULT_CUSTOMER, OPERATOR } from '../../../../tooling/tokens';
export type { Caller } from '../../../../tooling/tokens';
