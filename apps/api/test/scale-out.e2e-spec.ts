import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection } from '@temporalio/client';
import { MIGRATIONS } from '@app/database';
import { runLoad, type LoadSummary } from '../../../load-generator';
import { AccessTokens, createKeyFolder, OPERATOR } from '../../../tooling/tokens';
import {
  type AppProcess,
  buildApps,
  type AppName,
  type BuiltApps,
  startServerProcess,
  type ServerProcess,
} from '../../../tooling/processes';
import { freePort, isListening } from '../../../tooling/free-port';
import { startHaproxy, type Haproxy } from '../../../test/support/haproxy';
import { requestJson } from '../../../tooling/json-request';
import { orderBody } from '../../../tooling/order-requests';
import { startOwnPostgres, type OwnPostgres } from '../../../test/support/own-postgres';
import { describeWithServers } from '../../../test/support/real-servers';
import { startTemporalDevServer, type TemporalDevServer } from '../../../tooling/temporal-dev-server';
import { waitFor } from '../../../tooling/wait-for';
import { startWebhookReceiver, type WebhookReceiver } from '../../../test/support/webhook-receiver';
import { FAST_WEBHOOKS } from './support/webhook-fixtures';

/** The limit of POST /orders per customer and minute in this topology (the load stays well under it). */
const RATE_LIMIT = 30;
const DATABASE_OUTAGE_MS = 20_000;
/** Injected before every SQL statement while an API is killed, so that requests are in flight on it. */
const KILL_PHASE_STATEMENT_LATENCY_MS = 120;
/** The reconciliation job's shortest setting: an unfinished order that has not moved for a minute. */
const RECONCILE_AFTER_SECONDS = 60;
const LOAD = { rate: 16, connections: 6, customers: 60, settleMs: 0, timeoutMs: 20_000 } as const;

/** The fields of a JSON log line that say what happened, or the line's start. */
function gist(line: string): string {
  try {
    const entry = JSON.parse(line) as Record<string, any>;
    return JSON.stringify({
      at: entry['@timestamp'],
      message: entry.message,
      error: entry.error?.message ?? entry.err?.message ?? entry['error.message'],
      url: entry['url.path'],
      status: entry['http.response.status_code'],
    });
  } catch {
    return line.slice(0, 400);
  }
}

/** One replica: its fixed ports (a restarted replica comes back where the load balancer expects it). */
interface Replica {
  name: string;
  app: AppName;
  env: Record<string, string>;
  /** Where its readiness is answered. */
  readyUrl: string;
  process?: AppProcess;
  /** What its earlier processes printed (a restarted replica is a new process). */
  earlierOutput: string[];
}

/** What the closing report prints: per phase, requests sent and failed, orders accepted, times. */
type PhaseFigures = Record<string, number>;

/**
 * The production topology scaled out on one machine: 2 API and 2 worker processes of the built code, all
 * started at the same moment on an empty database, behind HAProxy (ops/haproxy), on one PostgreSQL cluster
 * of the test's own (so that it can be stopped), one Temporal server and one Redis. The project's load
 * generator places orders through the load balancer throughout while every replica is restarted in turn,
 * one API and one worker are killed, and the database is stopped for 20 s; then every order is checked in
 * the database.
 */
describeWithServers(
  ['temporal', 'haproxy', 'redis-server'],
  'two of everything behind a load balancer',
  () => {
    let built: BuiltApps;
    let pg: OwnPostgres;
    let temporal: TemporalDevServer;
    let redis: ServerProcess;
    let keys: { keyFile: string; remove(): Promise<void> };
    let tokens: AccessTokens;
    let lb: Haproxy;
    let receiver: WebhookReceiver;
    let databaseUrl: string;
    const taskQueue = `orders-scale-out-${randomUUID()}`;
    const replicas: Replica[] = [];
    const figures: Record<string, PhaseFigures> = {};
    const initialStock = new Map<string, number>();

    const db = <T = Record<string, any>>(sql: string, params: unknown[] = []) =>
      pg.query<T>('orders_scale_out', sql, params);
    const apis = () => replicas.filter((r) => r.app === 'api');
    const workers = () => replicas.filter((r) => r.app === 'worker');

    const isReady = (replica: Replica) =>
      fetch(replica.readyUrl).then(
        (r) => r.status === 200,
        () => false,
      );
    const start = async (replica: Replica) => {
      replica.process = await built.start(replica.app, replica.env);
      await waitFor(() => isReady(replica), Boolean, 60_000, 100);
    };
    const stop = async (replica: Replica, signal: NodeJS.Signals) => {
      const code = await replica.process?.stop(signal);
      replica.earlierOutput.push(replica.process?.output() ?? '');
      replica.process = undefined;
      return code;
    };
    /** For a failed run: each replica's warnings, errors and 5xx answers (last few), and stuck sagas. */
    const diagnose = async () => {
      const lines: string[] = [];
      for (const replica of replicas) {
        const output = [...replica.earlierOutput, replica.process?.output() ?? ''].join('\n');
        const notable = output
          .split('\n')
          .filter((line) => /"log\.level":"(warn|error|fatal)"|"statusCode":5\d\d|Error/.test(line))
          .filter((line) => !line.includes('"url":"/health/ready"'));
        const answered5xx = notable.filter((line) => /"statusCode":5\d\d/.test(line));
        lines.push(
          `${replica.name}: ${notable.length} notable lines, ${answered5xx.length} answers 5xx`,
          ...answered5xx.slice(-3).map((line) => `  5xx: ${gist(line)}`),
          ...notable.slice(-8).map((line) => `  ${gist(line)}`),
        );
      }
      const stuck = await db<{ id: string; status: string }>(
        "SELECT id, status FROM orders WHERE status NOT IN ('COMPLETED', 'FAILED', 'CANCELLED') ORDER BY updated_at LIMIT 3",
      );
      const connection = await Connection.connect({ address: temporal.address });
      try {
        const client = new Client({ connection });
        for (const order of stuck) {
          const described = await client.workflow
            .getHandle(`order-${order.id}`)
            .describe()
            .then(
              (d) =>
                JSON.stringify({
                  status: d.status.name,
                  pending: d.raw.pendingActivities?.map((a) => ({
                    activity: a.activityType?.name,
                    attempt: a.attempt,
                    state: a.state,
                    lastFailure: a.lastFailure?.message,
                  })),
                }),
              (error: unknown) => `not found on Temporal: ${String(error)}`,
            );
          lines.push(`order ${order.id} ${order.status}: ${described}`);
        }
      } finally {
        await connection.close();
      }
      process.stderr.write(`\nscale-out diagnostics:\n${lines.join('\n')}\n`);
    };
    const request = async (
      method: string,
      path: string,
      init: { body?: unknown; headers?: Record<string, string> } = {},
      as: Parameters<AccessTokens['token']>[0] = 'c-scale',
    ) =>
      requestJson(lb.url, method, path, {
        body: init.body,
        headers: { authorization: `Bearer ${await tokens.token(as)}`, ...init.headers },
      });

    /** Switches faults on (null: off) for every process and waits until each replica applies them. */
    const setFaults = async (faults: Record<string, unknown> | null) => {
      const answer = faults
        ? await request('PUT', '/admin/faults', { body: faults }, OPERATOR)
        : await request('DELETE', '/admin/faults', {}, OPERATOR);
      expect(answer.status).toBe(200);
      const active = faults ? 1 : 0;
      for (const replica of replicas) {
        const metrics = `http://127.0.0.1:${replica.env.METRICS_PORT}/metrics`;
        await waitFor(
          async () =>
            (await (await fetch(metrics)).text()).includes(
              `fault_injection_active{fault="database_latency"} ${active}`,
            ),
          Boolean,
          10_000,
          100,
        );
      }
    };
    /** Runs the load generator through the load balancer while `during` runs; its summary and counts. */
    const underLoad = async (phase: string, during: () => Promise<number | void>): Promise<LoadSummary> => {
      const abort = new AbortController();
      const before = await db<{ n: string }>('SELECT count(*) AS n FROM orders');
      const load = runLoad({ ...LOAD, url: lb.url, keyFile: keys.keyFile }, { signal: abort.signal });
      let recoveryMs: number | void;
      try {
        await sleep(2_000); // traffic flows before anything happens
        recoveryMs = await during();
        await sleep(2_000); // and after it
      } finally {
        abort.abort();
      }
      const summary = await load;
      const after = await db<{ n: string }>('SELECT count(*) AS n FROM orders');
      figures[phase] = {
        requests: summary.requests + summary.errors.timeouts + summary.errors.connection,
        failed: summary.errors.total,
        ordersAccepted: Number(after[0].n) - Number(before[0].n),
        ...(recoveryMs ? { recoveryMs } : {}),
        // Answers 5xx, by status (HAProxy's own 503 when no replica is ready included).
        ...Object.fromEntries(
          Object.entries(summary.statuses)
            .filter(([status]) => Number(status) >= 500)
            .map(([status, n]) => [`status${status}`, n]),
        ),
      };
      return summary;
    };

    beforeAll(async () => {
      [built, pg, temporal, keys] = await Promise.all([
        buildApps(),
        startOwnPostgres(),
        startTemporalDevServer(),
        createKeyFolder(),
      ]);
      tokens = await AccessTokens.fromKeyFile(keys.keyFile, { create: true }); // one key for both APIs
      databaseUrl = await pg.createDatabase('orders_scale_out');
      const redisPort = await freePort();
      redis = await startServerProcess('redis-server', [
        '--port',
        String(redisPort),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
      ]);
      await waitFor(() => isListening(redisPort), Boolean, 10_000);
      receiver = await startWebhookReceiver('scale-out');
      const shared = {
        DATABASE_URL: databaseUrl,
        DATABASE_POOL_MAX: '8',
        TEMPORAL_ADDRESS: temporal.address,
        TEMPORAL_TASK_QUEUE: taskQueue,
        LOG_LEVEL: 'info',
        PAYMENT_SIM_LATENCY_MS: '20',
        FAULT_INJECTION_REFRESH_MS: '200',
        CARRIER_SIM_LATENCY_MS: '20',
      };
      for (const n of [1, 2]) {
        const [port, managementPort] = [await freePort(), await freePort()];
        replicas.push({
          name: `api${n}`,
          earlierOutput: [],
          app: 'api',
          readyUrl: `http://127.0.0.1:${port}/health/ready`,
          env: {
            ...shared,
            ...FAST_WEBHOOKS,
            WEBHOOK_TIMEOUT_MS: '5000', // a loaded machine answers slowly: no retry for a late answer
            HOST: '127.0.0.1',
            PORT: String(port),
            METRICS_PORT: String(managementPort),
            AUTH_LOCAL_KEY_FILE: keys.keyFile,
            ORDER_RATE_LIMIT_PER_MINUTE: String(RATE_LIMIT),
            RATE_LIMIT_REDIS_URL: `redis://127.0.0.1:${redisPort}`,
            // Longer than the load balancer takes to see the replica unready (2 checks 1 s apart, each
            // answered within 3 s), as a Kubernetes preStop hook waits for the endpoints to drop the pod.
            SHUTDOWN_READINESS_DRAIN_MS: '6000',
          },
        });
      }
      for (const n of [1, 2]) {
        const [managementPort, sdkPort] = [await freePort(), await freePort()];
        replicas.push({
          name: `worker${n}`,
          earlierOutput: [],
          app: 'worker',
          readyUrl: `http://127.0.0.1:${managementPort}/health/ready`,
          env: {
            ...shared,
            METRICS_PORT: String(managementPort),
            TEMPORAL_METRICS_PORT: String(sdkPort),
            SHUTDOWN_READINESS_DRAIN_MS: '300',
          },
        });
      }
    }, 240_000);

    afterAll(async () => {
      process.stderr.write(`\nscale-out figures: ${JSON.stringify(figures, null, 2)}\n`);
      await Promise.all(replicas.map(async (r) => r.process?.stop('SIGKILL')));
      await lb?.stop();
      await receiver?.close();
      await redis?.stop();
      await temporal?.close();
      await pg?.destroy();
      await keys?.remove();
      await built?.remove();
    }, 60_000);

    it('starts 2 APIs and 2 workers at the same moment on an empty database; the migrations run once', async () => {
      await Promise.all(replicas.map(start));
      const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);
      const ran = await db<{ name: string; runs: string }>(
        'SELECT name, count(*) AS runs FROM migrations GROUP BY name',
      );
      expect(ran.sort(byName)).toEqual(
        MIGRATIONS.map((m) => ({ name: (m as unknown as { name: string }).name, runs: '1' })).sort(byName),
      );
      lb = await startHaproxy(
        [apis()[0].readyUrl, apis()[1].readyUrl].map((u) => new URL(u).host) as [string, string],
      );
      await lb.allUp();
      for (const product of await db<{ sku: string }>('SELECT sku FROM products')) {
        const restocked = await request(
          'POST',
          `/products/${product.sku}/restock`,
          { body: { quantity: 5_000 } },
          OPERATOR,
        );
        expect(restocked.status).toBe(200);
      }
      for (const { sku, stock } of await db<{ sku: string; stock: number }>(
        'SELECT sku, stock FROM products',
      ))
        initialStock.set(sku, stock);
      const endpoint = await request(
        'POST',
        '/admin/webhooks',
        {
          body: {
            url: receiver.url,
            eventTypes: [
              'order.created',
              'payment.captured',
              'shipment.created',
              'order.completed',
              'order.failed',
              'order.cancelled',
              'payment.refunded',
            ],
            description: 'scale-out receiver',
          },
        },
        OPERATOR,
      );
      expect(endpoint.status).toBe(201);
      receiver.secret = endpoint.body.secret;
    }, 180_000);

    it('holds the per-customer order limit across both APIs behind the load balancer', async () => {
      const customer = `c-limit-${randomUUID().slice(0, 8)}`;
      const statuses: number[] = [];
      for (let i = 0; i < RATE_LIMIT + 5; i++)
        statuses.push((await request('POST', '/orders', { body: orderBody() }, customer)).status);
      expect({
        accepted: statuses.filter((s) => s === 202).length,
        limited: statuses.filter((s) => s === 429).length,
      }).toEqual({ accepted: RATE_LIMIT, limited: 5 });
    }, 120_000);

    it('restarts every replica in turn under load without a failed request', async () => {
      const summary = await underLoad('rollingRestart', async () => {
        for (const replica of replicas) {
          expect(await stop(replica, 'SIGTERM')).toBe(0);
          await start(replica);
          if (replica.app === 'api') await lb.allUp();
        }
      });
      if (summary.errors.total > 0) await diagnose();
      expect(summary.errors).toEqual({ total: 0, status5xx: 0, timeouts: 0, connection: 0 });
      expect(summary.unexpectedStatuses).toBe(0);
      expect(figures.rollingRestart.ordersAccepted).toBeGreaterThan(0);
    }, 300_000);

    it('loses only the requests in flight on a killed API, and a client retrying with its key gets its order', async () => {
      const keyed = new Map<string, { status: number; orderId?: string; tries: number }>();
      let sending = true;
      const keyedClient = async (client: number) => {
        for (let n = 0; sending; n++) {
          const key = `scale-${client}-${n}-${randomUUID().slice(0, 8)}`;
          const body = orderBody({ items: [{ sku: 'SKU-001', quantity: 1 }] });
          let tries = 0;
          for (;;) {
            tries++;
            const answer = await request(
              'POST',
              '/orders',
              { body, headers: { 'idempotency-key': key } },
              `c-keyed-${client}-${n}`, // a customer per order: the order limit does not bite
            ).catch(() => undefined);
            if (answer && answer.status < 500) {
              keyed.set(key, { status: answer.status, orderId: answer.body?.id, tries });
              break;
            }
            await sleep(200);
          }
          await sleep(250);
        }
      };
      let clients: Promise<void>[] = [];
      const summary = await underLoad('kill', async () => {
        // Slow statements keep requests in flight on the API that is killed, so some fail there.
        await setFaults({ database: { latencyMs: KILL_PHASE_STATEMENT_LATENCY_MS } });
        clients = [1, 2, 3, 4, 5, 6].map(keyedClient);
        await sleep(2_000);
        const [api1, worker1] = [apis()[0], workers()[0]];
        const killed = Date.now();
        await Promise.all([stop(api1, 'SIGKILL'), stop(worker1, 'SIGKILL')]);
        await waitFor(lb.servers, (s) => s.api1 === 'DOWN', 10_000, 50);
        await sleep(1_500);
        await Promise.all([start(api1), start(worker1)]);
        await lb.allUp();
        const recoveryMs = Date.now() - killed;
        await setFaults(null);
        return recoveryMs;
      });
      sending = false;
      await Promise.all(clients);
      // Only what was in flight on the killed API (502 from the load balancer): at most one request per
      // connection, never a timeout, and no other 5xx.
      expect(summary.errors.timeouts).toBe(0);
      expect(summary.errors.total).toBeLessThanOrEqual(LOAD.connections);
      expect(Object.keys(figures.kill).filter((k) => k.startsWith('status5') && k !== 'status502')).toEqual(
        [],
      );
      const answers = [...keyed.values()];
      expect(answers.length).toBeGreaterThan(0);
      expect(answers.filter((a) => a.status !== 202)).toEqual([]);
      figures.kill.keyedOrders = answers.length;
      figures.kill.keyedRetried = answers.filter((a) => a.tries > 1).length;
      const duplicates = await db(
        'SELECT customer_id, idempotency_key, count(*) FROM orders WHERE idempotency_key IS NOT NULL GROUP BY 1, 2 HAVING count(*) > 1',
      );
      expect(duplicates).toEqual([]);
    }, 300_000);

    it('delays the sagas in flight through a 20 s database outage, and fails none', async () => {
      await underLoad('databaseOutage', async () => {
        await pg.stop();
        const stopped = Date.now();
        await sleep(DATABASE_OUTAGE_MS);
        await pg.start();
        const started = Date.now();
        figures.databaseOutage = { ...(figures.databaseOutage ?? {}), downMs: started - stopped };
        await waitFor(
          async () =>
            (
              await request(
                'POST',
                '/orders',
                { body: orderBody({ items: [{ sku: 'SKU-002', quantity: 1 }] }) },
                'c-recovery',
              )
            ).status,
          (status) => status === 202,
          60_000,
          250,
        );
        await lb.allUp();
        return Date.now() - started;
      });
    }, 300_000);

    it('brings every accepted order to its correct final state, with one capture each and stock that adds up', async () => {
      const settleStarted = Date.now();
      const unfinished = () =>
        db<{ status: string; n: string }>(
          `SELECT status, count(*) AS n FROM orders
            WHERE status NOT IN ('COMPLETED', 'FAILED', 'CANCELLED') GROUP BY status`,
        );
      const none = (rows: unknown[]) => rows.length === 0;
      // The sagas that are running finish by themselves.
      const settled = await waitFor(unfinished, none, 90_000, 500).then(
        () => true,
        () => false,
      );
      figures.final = { settleMs: Date.now() - settleStarted, resumedByReconciliation: 0 };
      if (!settled) {
        // An order whose saga never started (its API was killed between storing it and starting the
        // workflow, or Temporal did not answer in time and the client got a 503) is the reconciliation
        // job's to resume, as the CronJob does in production once the order has not moved for a while.
        figures.unfinished = Object.fromEntries((await unfinished()).map((r) => [r.status, Number(r.n)]));
        await diagnose();
        await waitFor(
          () =>
            db<{ n: string }>(
              `SELECT count(*) AS n FROM orders WHERE status NOT IN ('COMPLETED', 'FAILED', 'CANCELLED')
                 AND updated_at > now() - interval '${RECONCILE_AFTER_SECONDS + 1} seconds'`,
            ),
          ([row]) => row.n === '0',
          150_000,
          1_000,
        );
        const [{ n }] = await db<{ n: string }>(
          "SELECT count(*) AS n FROM orders WHERE status NOT IN ('COMPLETED', 'FAILED', 'CANCELLED')",
        );
        figures.final.resumedByReconciliation = Number(n);
        const job = await built.start('jobs', {
          DATABASE_URL: databaseUrl,
          TEMPORAL_ADDRESS: temporal.address,
          TEMPORAL_TASK_QUEUE: taskQueue,
          RECONCILE_STUCK_AFTER_SECONDS: String(RECONCILE_AFTER_SECONDS),
          METRICS_PORT: '0',
        });
        expect(await job.exited).toBe(0);
        await waitFor(unfinished, none, 120_000, 500).catch(async (error: unknown) => {
          figures.stillUnfinished = Object.fromEntries(
            (await unfinished()).map((r) => [r.status, Number(r.n)]),
          );
          await diagnose();
          throw error;
        });
        figures.final.settleMs = Date.now() - settleStarted;
      }
      const orders = await db<{
        id: string;
        status: string;
        failure_reason: string | null;
        card_last4: string;
        cancel_requested: boolean;
      }>(
        `SELECT o.id, o.status, o.failure_reason, p.card_last4, o.cancel_requested_at IS NOT NULL AS cancel_requested
         FROM orders o JOIN payments p ON p.order_id = o.id`,
      );
      const wrong = orders.filter((o) => {
        if (o.card_last4 === '0002')
          return (
            !(o.status === 'FAILED' && o.failure_reason === 'PAYMENT_DECLINED') && o.status !== 'CANCELLED'
          );
        if (o.cancel_requested) return !['CANCELLED', 'COMPLETED'].includes(o.status);
        return o.status !== 'COMPLETED';
      });
      const tally = (status: string) => orders.filter((o) => o.status === status).length;
      Object.assign(figures.final, {
        orders: orders.length,
        completed: tally('COMPLETED'),
        failed: tally('FAILED'),
        cancelled: tally('CANCELLED'),
      });
      expect(wrong).toEqual([]);

      // One capture per completed order, counted in the provider's own ledger.
      const captures = await db<{ order_id: string; captures: string }>(
        `SELECT o.id AS order_id, count(l.*) AS captures FROM orders o
         LEFT JOIN simulated_provider_ledger l ON l.order_id = o.id AND l.kind = 'charge' AND l.outcome = 'captured'
        WHERE o.status = 'COMPLETED' GROUP BY o.id HAVING count(l.*) <> 1`,
      );
      expect(captures).toEqual([]);

      // Stock: what is on the shelves plus what is held is what there was, and only completed orders hold any.
      const stock = await db<{ sku: string; stock: number; held: number }>(
        `SELECT p.sku, p.stock, coalesce(sum(r.quantity) FILTER (WHERE r.status = 'RESERVED'), 0)::int AS held
         FROM products p LEFT JOIN inventory_reservations r ON r.sku = p.sku GROUP BY p.sku, p.stock`,
      );
      expect(Object.fromEntries(stock.map((s) => [s.sku, s.stock + s.held]))).toEqual(
        Object.fromEntries(initialStock),
      );
      const heldByOthers = await db(
        `SELECT r.order_id, o.status FROM inventory_reservations r JOIN orders o ON o.id = r.order_id
        WHERE r.status = 'RESERVED' AND o.status <> 'COMPLETED'`,
      );
      expect(heldByOthers).toEqual([]);
    }, 420_000);

    it('delivers each webhook event once, in order per order, with two dispatchers', async () => {
      await waitFor(
        () => db<{ n: string }>("SELECT count(*) AS n FROM webhook_deliveries WHERE status <> 'delivered'"),
        ([row]) => row.n === '0',
        120_000,
        500,
      );
      const events = await db<{ id: string; order_id: string; seq: string }>(
        'SELECT id, order_id, seq FROM webhook_events ORDER BY seq',
      );
      const delivered = receiver.delivered();
      expect(events.filter((e) => !delivered.has(e.id))).toEqual([]);
      // Delivery is at least once: an attempt whose answer came too late (or whose dispatcher was killed)
      // is retried, with the next attempt number. Two dispatchers racing would send the same attempt twice.
      const raced = [...delivered].filter(
        ([, deliveries]) => new Set(deliveries.map((d) => d.attempt)).size < deliveries.length,
      );
      figures.webhooks = {
        events: events.length,
        retriedAfterALateAnswer: [...delivered].filter(([, deliveries]) => deliveries.length > 1).length,
        sameAttemptTwice: raced.length,
      };
      expect(raced.map(([id, deliveries]) => [id, deliveries.map((d) => d.attempt)])).toEqual([]);
      const firstArrival = new Map([...delivered].map(([id, deliveries]) => [id, deliveries[0].at]));
      const outOfOrder: string[] = [];
      const lastByOrder = new Map<string, number>();
      for (const event of events) {
        const at = firstArrival.get(event.id)!;
        if (at < (lastByOrder.get(event.order_id) ?? 0)) outOfOrder.push(event.order_id);
        lastByOrder.set(event.order_id, at);
      }
      expect(outOfOrder).toEqual([]);
    }, 180_000);
  },
);
