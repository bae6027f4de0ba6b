import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { dashboardQueries, withAllSelected } from '../../test/support/dashboard-queries';
import { parse, stringify } from 'yaml';
import { startApiProcess, type ApiProcess } from '../../tooling/app-processes';
import { runLoad } from '../../load-generator';
import { freePort } from '../../tooling/free-port';
import { prometheusAlerts, prometheusQuery, prometheusTargets } from '../../test/support/prometheus-api';
import { describeWithServers } from '../../test/support/real-servers';
import { requireServer } from '../../tooling/real-servers';
import { startAppProcess, startServerProcess, type ServerProcess } from '../../tooling/processes';
import { createTestDatabase, type TestDatabase } from '../../tooling/database';
import { waitFor } from '../../tooling/wait-for';
import { OPERATOR } from '../../tooling/tokens';
import { requestJson } from '../../tooling/json-request';
import { startWebhookReceiver, type WebhookReceiver } from '../../test/support/webhook-receiver';

const OPS = path.resolve(__dirname, '..');
/**
 * Panels fed by the Temporal SDK need the worker on a Temporal server: apps/worker/test/live-telemetry runs
 * that topology against a real Prometheus 3 and checks them there; this stack runs the API alone.
 */
const NEEDS_TEMPORAL_SERVER = /\btemporal_/;

/**
 * The whole monitoring path for real: the API (child process, real PostgreSQL), postgres_exporter, the
 * Pushgateway and Prometheus loading this repository's rule files, scraping every second.
 */
describeWithServers(
  ['prometheus', 'prometheus-pushgateway', 'prometheus-postgres-exporter'],
  'Prometheus 3 end to end (real API, exporters, Prometheus with the project rules)',
  () => {
    let db: TestDatabase;
    let api: ApiProcess;
    let workDir: string;
    const processes: ServerProcess[] = [];
    let prometheusUrl: string;
    let receiver: WebhookReceiver;
    const query = (expr: string) => prometheusQuery(prometheusUrl, expr);

    beforeAll(async () => {
      db = await createTestDatabase();
      workDir = mkdtempSync(path.join(tmpdir(), 'prom-stack-'));
      const [metricsPort, exporterPort, pushgatewayPort, prometheusPort] = await Promise.all([
        freePort(),
        freePort(),
        freePort(),
        freePort(),
      ]);
      api = await startApiProcess({
        DATABASE_URL: db.url,
        METRICS_PORT: String(metricsPort),
        PAYMENT_SIM_DECLINE_RATE: '0.5', // half the charges declined: the payment failure alert must go off
        CARRIER_SIM_FAILURE_RATE: '0.2',
        WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
        WEBHOOK_POLL_INTERVAL_MS: '100',
        WEBHOOK_RETRY_BASE_MS: '200',
        // A reconciliation of the order status counts every 10 s (the least allowed), so that some run
        // while Prometheus scrapes: its duration panel reads how many ran in a window.
        ORDER_COUNTS_RECONCILE_SECONDS: '10',
      });
      // A webhook receiver for every event: every 7th call answered 500 (retried), the 20th 410 (dead).
      receiver = await startWebhookReceiver('stack');
      let calls = 0;
      receiver.answer(() => {
        calls += 1;
        if (calls === 20) return 410;
        return calls % 7 === 0 ? 500 : 200;
      });
      const registered = await requestJson(api.baseUrl, 'POST', '/admin/webhooks', {
        headers: await api.tokens.headers(OPERATOR),
        body: {
          url: receiver.url,
          eventTypes: ['order.created', 'payment.captured', 'order.completed', 'order.failed'],
        },
      });
      expect(registered.status).toBe(201);
      processes.push(
        await startServerProcess(
          'prometheus-postgres-exporter',
          [`--web.listen-address=127.0.0.1:${exporterPort}`],
          {
            env: { DATA_SOURCE_NAME: `${db.url}?sslmode=disable` },
          },
        ),
        await startServerProcess('prometheus-pushgateway', [
          `--web.listen-address=127.0.0.1:${pushgatewayPort}`,
        ]),
      );

      const config = parse(readFileSync(path.join(OPS, 'prometheus/prometheus.yml'), 'utf8'));
      const local: Record<string, string> = {
        prometheus: `127.0.0.1:${prometheusPort}`,
        'orders-api': `127.0.0.1:${metricsPort}`,
        postgres: `127.0.0.1:${exporterPort}`,
        pushgateway: `127.0.0.1:${pushgatewayPort}`,
      };
      config.global = {
        ...config.global,
        scrape_interval: '1s',
        scrape_timeout: '1s',
        evaluation_interval: '1s',
      };
      config.rule_files = config.rule_files.map((file: string) => path.join(OPS, 'prometheus', file));
      delete config.alerting;
      // The worker and its Temporal SDK metrics need a Temporal server: not started here.
      config.scrape_configs = config.scrape_configs
        .filter((job: any) => local[job.job_name])
        .map((job: any) => ({ ...job, static_configs: [{ targets: [local[job.job_name]] }] }));
      writeFileSync(path.join(workDir, 'prometheus.yml'), stringify(config));
      // Rule groups run at their own interval (15 s); make them run every second for the test.
      for (const file of config.rule_files as string[]) {
        const rules = parse(readFileSync(file, 'utf8'));
        for (const group of rules.groups) group.interval = '1s';
        writeFileSync(path.join(workDir, path.basename(file)), stringify(rules));
      }
      writeFileSync(
        path.join(workDir, 'prometheus.yml'),
        stringify({
          ...config,
          rule_files: config.rule_files.map((file: string) => path.join(workDir, path.basename(file))),
        }),
      );
      prometheusUrl = `http://127.0.0.1:${prometheusPort}`;
      processes.push(
        await startServerProcess(
          requireServer('prometheus'),
          [
            `--config.file=${path.join(workDir, 'prometheus.yml')}`,
            `--storage.tsdb.path=${path.join(workDir, 'data')}`,
            `--web.listen-address=127.0.0.1:${prometheusPort}`,
          ],
          { readyUrl: `${prometheusUrl}/-/ready` },
        ),
      );

      // Counters first seen after the traffic would look flat (rate 0): start once the API is being scraped,
      // and spread the traffic over several scrapes.
      await waitFor(
        () => query('up{job="orders-api"} == 1'),
        (result) => result.length === 1,
        30_000,
        250,
      );
      // Traffic from the load generator: orders (half declined by the provider, some unshippable, some
      // cancelled), catalog and order reads, replays, bad requests, unknown routes — 15 req/s for 8 s.
      const summary = await runLoad({
        url: api.baseUrl,
        keyFile: api.keyFile,
        rate: 15,
        durationMs: 8_000,
        connections: 3,
        badRatio: 0.15,
        idempotencyRatio: 0.4,
        replayRatio: 0.6,
        settleMs: 0,
        seed: 8,
      });
      expect(summary.orders.placed).toBeGreaterThan(0);
      expect(summary.errors.total).toBe(0);
      // One run of the batch jobs, as the CronJob starts them: they push to the Pushgateway what the
      // retention panels read.
      const jobs = await startAppProcess('apps/jobs/src/main.ts', /webhook data past its retention purged/, {
        DATABASE_URL: db.url,
        PUSHGATEWAY_URL: `http://${local.pushgateway}`,
        LOG_LEVEL: 'info',
      });
      expect(await jobs.exited).toBe(0);
    }, 180_000);

    afterAll(async () => {
      await api?.stop();
      await receiver?.close();
      await Promise.all(processes.map((server) => server.stop()));
      await db?.drop();
      rmSync(workDir, { recursive: true, force: true });
    });

    it('scrapes every started target successfully', async () => {
      const targets = await waitFor(
        async () => (await prometheusTargets(prometheusUrl)).activeTargets,
        (active) => active.length === 4 && active.every((t) => t.health === 'up'),
        30_000,
        500,
      );
      expect(targets.map((t) => t.labels.job).sort()).toEqual([
        'orders-api',
        'postgres',
        'prometheus',
        'pushgateway',
      ]);
    });

    it('produces a series for every recording rule', async () => {
      const names = parse(
        readFileSync(path.join(OPS, 'prometheus/rules/recording.yml'), 'utf8'),
      ).groups.flatMap((g: any) => g.rules.map((r: any) => r.record as string));
      const missing = await waitFor(
        async () => {
          const empty: string[] = [];
          for (const name of names) if ((await query(name)).length === 0) empty.push(name);
          return empty;
        },
        (empty) => empty.length === 0,
        60_000,
        1_000,
      );
      expect(missing).toEqual([]);
    });

    it('produces every SLO series for every SLO', async () => {
      const rules = parse(readFileSync(path.join(OPS, 'prometheus/rules/slo.yml'), 'utf8')).groups.flatMap(
        (g: any) => g.rules,
      );
      const expected = rules
        .filter((r: any) => r.record)
        .map((r: any) => `${r.record} ${r.labels.sloth_id}`)
        .sort();
      const missing = await waitFor(
        async () => {
          const recorded = (
            await query('count by (__name__, sloth_id) ({__name__=~"slo:.+|sloth_slo_info"})')
          ).map((sample) => `${sample.metric.__name__} ${sample.metric.sloth_id}`);
          return expected.filter((name: string) => !recorded.includes(name));
        },
        (none) => none.length === 0,
        60_000,
        1_000,
      );
      expect(missing).toEqual([]);
    });

    it('finds the 60 s bucket of order completion as Prometheus 3 stores it (le="60.0"): every order finished within it', async () => {
      expect(await query('order_processing_seconds_bucket{le="60"}')).toEqual([]);
      expect((await query('order_processing_seconds_bucket{le="60.0"}')).length).toBeGreaterThan(0);
      const [completion] = await query('slo:sli_error:ratio_rate5m{sloth_slo="completion"}');
      expect(completion.value[1]).toBe('0');
    });

    it('returns real values (not just NaN) for every query of every dashboard panel but the Temporal SDK ones (template variables set to All)', async () => {
      const queries = dashboardQueries();
      const testable = queries.filter((q) => !NEEDS_TEMPORAL_SERVER.test(q.expr));
      expect(queries.length - testable.length).toBe(2); // the two Temporal SDK panels
      const empty = await waitFor(
        async () => {
          const none: string[] = [];
          for (const q of testable) {
            const series = await query(withAllSelected(q.expr));
            if (!series.some((sample) => sample.value[1] !== 'NaN')) none.push(`${q.dashboard} › ${q.panel}`);
          }
          return none;
        },
        (none) => none.length === 0,
        45_000, // within the test's own timeout, so that a failure names the empty panels
        1_000,
      );
      expect(empty).toEqual([]);
    });

    it('delivers webhooks meanwhile, and fires the dead-event alert for the event the receiver refused', async () => {
      expect(receiver.received.filter((d) => d.answer === 200).length).toBeGreaterThan(0);
      expect(receiver.received.some((d) => d.answer === 500)).toBe(true);
      const alert = await waitFor(
        async () =>
          (await prometheusAlerts(prometheusUrl)).find((a) => a.labels.alertname === 'WebhookEventsDead'),
        (a) => a !== undefined,
        60_000,
        1_000,
      );
      expect(alert!.state).toBe('firing');
      expect(alert!.annotations.summary).toMatch(
        /^Webhook endpoint [0-9a-f-]{36}: 1(\.\d+)? dead event\(s\) in the last 30 minutes$/,
      );
    });

    it('takes the payment failure alert to pending or firing for real', async () => {
      const alert = await waitFor(
        async () =>
          (await prometheusAlerts(prometheusUrl)).find(
            (a) => a.labels.alertname === 'PaymentFailureRateHigh',
          ),
        (a) => a !== undefined,
        60_000,
        1_000,
      );
      expect(['pending', 'firing']).toContain(alert!.state);
      expect(alert!.labels).toMatchObject({ severity: 'critical', service: 'orders-api', job: 'orders-api' });
      expect(alert!.annotations.summary).toMatch(/^orders-api: \d+(\.\d+)?% of payment attempts fail$/);
    });
  },
);
