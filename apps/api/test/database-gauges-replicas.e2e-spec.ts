import { ORDER_STATUSES } from '@app/orders';
import { DEFAULT_CUSTOMER } from '../../../tooling/tokens';
import { dashboardQueries, withAllSelected } from '../../../test/support/dashboard-queries';
import { freePort } from '../../../tooling/free-port';
import { requestJson } from '../../../tooling/json-request';
import { DECLINED_CARD, isTerminalStatus, orderBody } from '../../../tooling/order-requests';
import { prometheusQuery, prometheusTargets, type Sample } from '../../../test/support/prometheus-api';
import { startProjectPrometheus, type RunningPrometheus } from '../../../test/support/prometheus-server';
import { parseExposition, valueOf } from '../../../tooling/prometheus-text';
import { describeWithServers } from '../../../test/support/real-servers';
import { createTestDatabase, type TestDatabase } from '../../../tooling/database';
import { waitFor } from '../../../tooling/wait-for';
import { startApiProcess, type ApiProcess } from '../../../tooling/app-processes';

/** How often a replica without the database gauges lease tries to take it. */
const LEASE_INTERVAL_MS = 250;
/** A dead leader's replacement exports within: its next try, plus a loaded 2-core machine's slack. */
const TAKEOVER_BOUND_MS = 5_000;

interface Replica {
  name: string;
  api: ApiProcess;
  /** host:port of its metrics endpoint, which is also its `instance` label in Prometheus. */
  target: string;
}

/** A dashboard panel's query, as Grafana sends it with every template variable on "All". */
function panelQuery(dashboard: string, panel: string): string {
  const found = dashboardQueries().find((q) => q.dashboard === dashboard && q.panel === panel);
  if (!found) throw new Error(`no panel "${panel}" on the dashboard "${dashboard}"`);
  return withAllSelected(found.expr);
}

const byLabel = (samples: Sample[], label: string) =>
  Object.fromEntries(samples.map((s) => [s.metric[label], Number(s.value[1])]));

/**
 * Two API processes on one database, scraped by a real Prometheus 3 with the project's configuration:
 * the gauges read from the database come from one of them only, so the dashboard's sums equal the
 * database, and when that replica is killed the other takes over.
 */
describeWithServers(['prometheus'], 'database gauges with two API replicas (real Prometheus 3)', () => {
  let db: TestDatabase;
  const replicas: Replica[] = [];
  let prometheus: RunningPrometheus;
  const query = (expr: string) => prometheusQuery(prometheus.url, expr);

  const ordersByStatus = panelQuery('Orders / business', 'Orders by status');
  const stockBySku = panelQuery('Orders / business', 'Stock by SKU');
  const exporters = panelQuery('Orders / database', 'Replicas exporting the database gauges');

  /** Orders per status in the database, every status listed (the gauge reports 0 for the others). */
  async function databaseOrderCounts(): Promise<Record<string, number>> {
    const rows = await db.query<{ status: string; count: string }>(
      'SELECT status, count(*) AS count FROM orders GROUP BY status',
    );
    return Object.fromEntries(
      ORDER_STATUSES.map((status) => [status, Number(rows.find((r) => r.status === status)?.count ?? 0)]),
    );
  }

  async function databaseStock(): Promise<Record<string, number>> {
    const rows = await db.query<{ sku: string; stock: number }>('SELECT sku, stock FROM products');
    return Object.fromEntries(rows.map((r) => [r.sku, Number(r.stock)]));
  }

  /** Whether the replica says, on its own metrics endpoint, that it exports the database gauges. */
  async function leads(replica: Replica): Promise<boolean> {
    const text = await (await fetch(`http://${replica.target}/metrics`)).text();
    return valueOf(parseExposition(text), 'database_gauges_leader') === 1;
  }

  async function placeOrder(replica: Replica, declined: boolean): Promise<string> {
    const body = declined
      ? orderBody({ payment: { ...orderBody().payment, cardNumber: DECLINED_CARD } })
      : orderBody();
    const placed = await requestJson(replica.api.baseUrl, 'POST', '/orders', {
      headers: await replica.api.tokens.headers(DEFAULT_CUSTOMER),
      body,
    });
    expect(placed.status).toBe(202);
    return placed.body.id as string;
  }

  async function waitUntilFinished(replica: Replica, id: string): Promise<void> {
    const headers = await replica.api.tokens.headers(DEFAULT_CUSTOMER);
    await waitFor(
      () => requestJson(replica.api.baseUrl, 'GET', `/orders/${id}`, { headers }),
      (r) => r.status === 200 && isTerminalStatus(r.body),
      30_000,
      100,
    );
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    // One after the other: the second finds the schema and the catalog in place, and the lease taken.
    for (const name of ['api-1', 'api-2']) {
      const metricsPort = await freePort();
      const api = await startApiProcess({
        DATABASE_URL: db.url,
        METRICS_PORT: String(metricsPort),
        DATABASE_GAUGES_LEASE_INTERVAL_MS: String(LEASE_INTERVAL_MS),
        // Each replica runs the sagas of the orders it accepts (inline), on purpose: production runs them on
        // Temporal's worker, but where they run changes nothing to which replica exports the gauges.
        INLINE_ENGINE_EXCLUSIVE: 'false',
      });
      replicas.push({ name, api, target: `127.0.0.1:${metricsPort}` });
    }
    prometheus = await startProjectPrometheus({ 'orders-api': replicas.map((r) => r.target) });
    await waitFor(
      async () => (await prometheusTargets(prometheus.url)).activeTargets,
      (targets) => targets.length === 2 && targets.every((t) => t.health === 'up'),
      30_000,
      250,
    );
  }, 180_000);

  afterAll(async () => {
    await prometheus?.stop();
    await Promise.all(replicas.map((r) => r.api.stop()));
    await db?.drop();
  }, 60_000);

  it('has one replica export the database gauges, and the dashboard sums equal the database', async () => {
    // Orders through both replicas, some declined by the payment provider: COMPLETED and FAILED.
    const placed: Array<[Replica, string]> = [];
    for (let i = 0; i < 6; i++) {
      const replica = replicas[i % 2];
      placed.push([replica, await placeOrder(replica, i % 3 === 2)]);
    }
    for (const [replica, id] of placed) await waitUntilFinished(replica, id);
    const counts = await databaseOrderCounts();
    expect(counts.COMPLETED + counts.FAILED).toBe(6);
    expect(counts.FAILED).toBe(2);

    expect(await Promise.all(replicas.map(leads))).toEqual([true, false]);
    const shown = await waitFor(
      async () => byLabel(await query(ordersByStatus), 'status'),
      (value) => JSON.stringify(sorted(value)) === JSON.stringify(sorted(counts)),
      15_000,
      250,
    );
    expect(sorted(shown)).toEqual(sorted(counts));
    process.stdout.write(
      `orders by status: dashboard ${JSON.stringify(sorted(shown))}, database ${JSON.stringify(sorted(counts))}\n`,
    );
    expect(byLabel(await query(stockBySku), 'sku')).toEqual(await databaseStock());
    expect(Number((await query(exporters))[0].value[1])).toBe(1);

    // The series come from the leader alone: the other replica exports none, not even zeros.
    for (const gauge of ['orders_by_status', 'orders_oldest_unfinished_age_seconds', 'inventory_level'])
      expect(Object.keys(byLabel(await query(`count by (instance) (${gauge})`), 'instance'))).toEqual([
        replicas[0].target,
      ]);
  });

  it('moves the database gauges to the other replica when the leader is killed, and the sums still equal the database', async () => {
    const [leader, follower] = replicas;
    const killed = Date.now();
    leader.api.child.kill('SIGKILL');
    await leader.api.exited;
    await waitFor(() => leads(follower), Boolean, TAKEOVER_BOUND_MS, 25);
    const takeoverMs = Date.now() - killed;
    process.stdout.write(`database gauges lease taken over ${takeoverMs} ms after the leader was killed\n`);
    expect(takeoverMs).toBeLessThan(TAKEOVER_BOUND_MS);

    const counts = await databaseOrderCounts();
    await waitFor(
      async () => Object.keys(byLabel(await query('count by (instance) (orders_by_status)'), 'instance')),
      (instances) => instances.length === 1 && instances[0] === follower.target,
      15_000,
      250,
    );
    expect(sorted(byLabel(await query(ordersByStatus), 'status'))).toEqual(sorted(counts));
    expect(byLabel(await query(stockBySku), 'sku')).toEqual(await databaseStock());
    expect(Number((await query(exporters))[0].value[1])).toBe(1);
  });
});

function sorted(record: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
}
