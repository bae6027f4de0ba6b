import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { dashboardQueries, withAllSelected, type PanelQuery } from '../../../test/support/dashboard-queries';
import { orderWorkflowId } from '@app/order-saga';
import { parse, stringify } from 'yaml';
import { freePort } from '../../../tooling/free-port';
import { startJaeger, type Jaeger, type JaegerSpan } from '../../../test/support/jaeger';
import { insertProduct } from '../../../tooling/order-fixtures';
import { DECLINED_CARD, orderBody } from '../../../tooling/order-requests';
import {
  prometheusAlerts,
  prometheusQuery,
  prometheusTargets,
  type Alert,
} from '../../../test/support/prometheus-api';
import { describeWithServers } from '../../../test/support/real-servers';
import { requireServer } from '../../../tooling/real-servers';
import { startServerProcess, type ServerProcess } from '../../../tooling/processes';
import { waitFor } from '../../../tooling/wait-for';
import { startLiveTopology, type LiveTopology } from '../../../tooling/live-topology';

const OPS = path.resolve(__dirname, '../../../ops');
const SKU = 'TELEMETRY-1';
const WORKFLOW = 'orderSagaWorkflow';
/** The activities of a COMPLETED order, in the order the workflow runs them. */
const ACTIVITIES = ['reserveInventory', 'chargePayment', 'arrangeShipping', 'completeOrder'];
/** Queries fed by the Temporal SDK or the worker's activity metrics: the ones prometheus-stack cannot test. */
const TEMPORAL_OR_WORKFLOW = /\b(temporal|workflow)_/;

/** The JSON log lines of a process's output (other lines, such as the Temporal SDK's, are skipped). */
function jsonLines(output: string): Array<Record<string, any>> {
  return output.split('\n').flatMap((line) => {
    if (!line.startsWith('{')) return [];
    try {
      return [JSON.parse(line) as Record<string, any>];
    } catch {
      return [];
    }
  });
}

interface TracedOrder {
  orderId: string;
  traceId: string;
  spans: JaegerSpan[];
}

/** One series of Prometheus' `/api/v1/query_exemplars` answer. */
interface ExemplarSeries {
  seriesLabels: Record<string, string>;
  exemplars: Array<{ labels: Record<string, string>; value: string; timestamp: number }>;
}

/** The exemplars Prometheus stored for the series of `selector` over the last `minutes`. */
async function queryExemplars(baseUrl: string, selector: string, minutes = 10): Promise<ExemplarSeries[]> {
  const end = Date.now() / 1000;
  const params = new URLSearchParams({
    query: selector,
    start: String(end - minutes * 60),
    end: String(end),
  });
  const url = `${baseUrl}/api/v1/query_exemplars?${params.toString()}`;
  const body = (await (await fetch(url)).json()) as {
    status: string;
    data: ExemplarSeries[] | null;
    error?: string;
  };
  if (body.status !== 'success') throw new Error(`${url}: ${body.error}`);
  return body.data ?? [];
}

/**
 * The whole telemetry path of the production topology, for real: the API and worker processes on a real
 * Temporal server and PostgreSQL export their spans over OTLP to Jaeger v2 (read back through its query
 * API), write ECS log lines, and are scraped — with the Temporal SDK's and the Temporal server's own
 * metrics — by Prometheus 3 evaluating this repository's recording and alerting rules.
 */
describeWithServers(
  ['temporal', 'jaeger', 'prometheus'],
  'live telemetry: API + worker on Temporal, traces in Jaeger, metrics and alerts in Prometheus',
  () => {
    let jaeger: Jaeger | undefined;
    let live: LiveTopology;
    let prometheus: ServerProcess | undefined;
    let workDir: string | undefined;
    let prometheusUrl: string;
    const query = (expr: string) => prometheusQuery(prometheusUrl, expr);

    const placeOrder = (cardNumber = orderBody().payment.cardNumber, headers: Record<string, string> = {}) =>
      live.request(
        'POST',
        '/orders',
        orderBody({
          items: [{ sku: SKU, quantity: 1 }],
          payment: { ...orderBody().payment, cardNumber },
        }),
        headers,
      );

    /** Queries (of `queries`) for which Prometheus has no real (non-NaN) value yet. */
    const withoutData = async (queries: PanelQuery[]) => {
      const none: string[] = [];
      for (const q of queries) {
        const series = await query(withAllSelected(q.expr));
        if (!series.some((sample) => sample.value[1] !== 'NaN'))
          none.push(`${q.dashboard} › ${q.panel}: ${q.expr}`);
      }
      return none;
    };

    beforeAll(async () => {
      jaeger = await startJaeger();
      const apiMetricsPort = await freePort();
      const workerManagementPort = await freePort();
      const temporalSdkPort = await freePort();
      const prometheusPort = await freePort();
      const tracing = {
        OTEL_EXPORTER_OTLP_ENDPOINT: jaeger.otlpEndpoint,
        OTEL_TRACES_SAMPLER: 'parentbased_always_on',
        OTEL_BSP_SCHEDULE_DELAY: '200',
        // A span for every SQL statement, not only the slow ones: every activity's SQL is looked for.
        DB_SPAN_THRESHOLD_MS: '0',
      };
      live = await startLiveTopology({
        apiEnv: { ...tracing, OTEL_SERVICE_NAME: 'orders-api', METRICS_PORT: String(apiMetricsPort) },
        workerEnv: {
          ...tracing,
          OTEL_SERVICE_NAME: 'orders-worker',
          METRICS_PORT: String(workerManagementPort),
          TEMPORAL_METRICS_PORT: String(temporalSdkPort),
        },
      });
      await insertProduct(live.db, SKU, 100_000);

      // Prometheus with the compose scrape configuration, its targets pointed at this run's processes.
      workDir = mkdtempSync(path.join(tmpdir(), 'live-telemetry-'));
      const config = parse(readFileSync(path.join(OPS, 'prometheus/prometheus.yml'), 'utf8'));
      const local: Record<string, string> = {
        prometheus: `127.0.0.1:${prometheusPort}`,
        'orders-api': `127.0.0.1:${apiMetricsPort}`,
        'orders-worker': `127.0.0.1:${workerManagementPort}`,
        'temporal-sdk': `127.0.0.1:${temporalSdkPort}`,
        'temporal-server': new URL(live.temporal.metricsUrl).host,
      };
      config.global = {
        ...config.global,
        scrape_interval: '1s',
        scrape_timeout: '1s',
        evaluation_interval: '1s',
      };
      delete config.alerting;
      // PostgreSQL's exporter and the Pushgateway are covered by ops/test/prometheus-stack.spec.ts.
      config.scrape_configs = config.scrape_configs
        .filter((job: any) => local[job.job_name])
        .map((job: any) => ({ ...job, static_configs: [{ targets: [local[job.job_name]] }] }));
      // Rule groups run at their own interval (15 s); make them run every second for the test.
      config.rule_files = (config.rule_files as string[]).map((file) => {
        const rules = parse(readFileSync(path.join(OPS, 'prometheus', file), 'utf8'));
        for (const group of rules.groups) group.interval = '1s';
        const copy = path.join(workDir!, path.basename(file));
        writeFileSync(copy, stringify(rules));
        return copy;
      });
      writeFileSync(path.join(workDir, 'prometheus.yml'), stringify(config));
      prometheusUrl = `http://127.0.0.1:${prometheusPort}`;
      prometheus = await startServerProcess(
        requireServer('prometheus'),
        [
          `--config.file=${path.join(workDir, 'prometheus.yml')}`,
          `--storage.tsdb.path=${path.join(workDir, 'data')}`,
          `--web.listen-address=127.0.0.1:${prometheusPort}`,
          // Keeps the exemplars of the OpenMetrics scrapes (Prometheus 3 asks for OpenMetrics first), as compose does.
          '--enable-feature=exemplar-storage',
        ],
        { readyUrl: `${prometheusUrl}/-/ready` },
      );
      // Every target scraped once before any traffic, so counters start from a sample taken before it.
      const targets = await waitFor(
        async () => (await prometheusTargets(prometheusUrl)).activeTargets,
        (active) => active.length === 5 && active.every((t) => t.health === 'up'),
        60_000,
        250,
      );
      expect(targets.map((t) => t.labels.job).sort()).toEqual([
        'orders-api',
        'orders-worker',
        'prometheus',
        'temporal-sdk',
        'temporal-server',
      ]);
    }, 180_000);

    afterAll(async () => {
      await prometheus?.stop();
      await live?.close();
      await jaeger?.stop();
      if (workDir) rmSync(workDir, { recursive: true, force: true });
    }, 60_000);

    /** One COMPLETED order and its trace as Jaeger returns it, once every expected span arrived. */
    let traced: Promise<TracedOrder> | undefined;
    const tracedOrder = () =>
      (traced ??= (async () => {
        const placed = await placeOrder();
        expect(placed.status).toBe(202);
        const order = await live.finalState(placed.body.id as string);
        expect(order.status).toBe('COMPLETED');
        // What an operator does: search the worker's traces by the order id a saga step span carries.
        const traceIds = await waitFor(
          () => jaeger!.traceIds('orders-worker', { tags: { 'order.id': order.id } }),
          (ids) => ids.length > 0,
          20_000,
          200,
        );
        expect(traceIds).toHaveLength(1);
        const expected = [
          'POST /orders',
          `StartWorkflow:${WORKFLOW}`,
          `RunWorkflow:${WORKFLOW}`,
          ...ACTIVITIES.flatMap((a) => [`StartActivity:${a}`, `RunActivity:${a}`, `saga.${a}`]),
        ];
        // The two processes flush their batches independently: poll until both parts are in (a span's
        // children end, so are exported, before it).
        const spans = await waitFor(
          () => jaeger!.trace(traceIds[0]),
          (all) => expected.every((name) => all.some((s) => s.operationName === name)),
          20_000,
          200,
        );
        return { orderId: order.id as string, traceId: traceIds[0], spans };
      })());

    it('puts one order in one trace: POST /orders → StartWorkflow → RunWorkflow → every activity → saga step → SQL', async () => {
      const { orderId, traceId, spans } = await tracedOrder();
      const byId = new Map(spans.map((s) => [s.spanId, s]));
      const one = (name: string) => {
        const found = spans.filter((s) => s.operationName === name);
        expect({ name, count: found.length }).toEqual({ name, count: 1 });
        return found[0];
      };
      const ancestors = (span: JaegerSpan): JaegerSpan[] => {
        const chain: JaegerSpan[] = [];
        for (let p = byId.get(span.parentSpanId ?? ''); p; p = byId.get(p.parentSpanId ?? '')) chain.push(p);
        return chain;
      };

      // One tree: the API's server span is the only root, and every other span's parent is in the trace.
      const server = one('POST /orders');
      expect(spans.filter((s) => !s.parentSpanId).map((s) => `${s.service} ${s.operationName}`)).toEqual([
        'orders-api POST /orders',
      ]);
      expect(spans.filter((s) => s.parentSpanId && !byId.has(s.parentSpanId))).toEqual([]);
      expect(spans.every((s) => s.traceId === traceId)).toBe(true);
      // Jaeger notes clock skew between a span and its parent (not adjusted: other processes, the
      // workflow's deterministic clock); any other warning (e.g. an invalid parent) is a defect.
      const warnings = spans.flatMap((s) => s.warnings.map((w) => `${s.operationName}: ${w}`));
      expect(warnings.filter((w) => !w.includes(': clock skew adjustment disabled;'))).toEqual([]);
      expect(server).toMatchObject({
        service: 'orders-api',
        tags: { 'span.kind': 'server', 'http.route': '/orders', 'http.response.status_code': 202 },
      });

      // The API starts the workflow inside the request; the worker's workflow span continues it.
      const start = one(`StartWorkflow:${WORKFLOW}`);
      expect(start.service).toBe('orders-api');
      expect(ancestors(start)).toContain(server);
      expect(start.tags.temporalWorkflowId).toBe(orderWorkflowId(orderId));
      const run = one(`RunWorkflow:${WORKFLOW}`);
      expect(run.service).toBe('orders-worker');
      expect(run.parentSpanId).toBe(start.spanId);
      expect(run.tags.workflowId).toBe(orderWorkflowId(orderId));

      for (const activity of ACTIVITIES) {
        // Scheduled by the workflow, executed by the worker, the saga step inside, its SQL inside that.
        const scheduled = one(`StartActivity:${activity}`);
        expect({ activity, parent: scheduled.parentSpanId }).toEqual({ activity, parent: run.spanId });
        const executed = one(`RunActivity:${activity}`);
        expect({ activity, parent: executed.parentSpanId }).toEqual({ activity, parent: scheduled.spanId });
        expect(executed.tags.temporalWorkflowId).toBe(orderWorkflowId(orderId));
        const step = one(`saga.${activity}`);
        expect({ activity, parent: step.parentSpanId }).toEqual({ activity, parent: executed.spanId });
        expect({ activity, orderId: step.tags['order.id'] }).toEqual({ activity, orderId });
        const sql = spans.filter(
          (s) => s.tags['db.system.name'] === 'postgresql' && ancestors(s).includes(executed),
        );
        expect({ activity, sql: sql.length > 0 }).toEqual({ activity, sql: true });
        expect(sql.every((s) => s.service === 'orders-worker' && s.tags['span.kind'] === 'client')).toBe(
          true,
        );
      }
      expect(one('saga.chargePayment').tags).toMatchObject({ 'order.total': 1250, 'order.currency': 'EUR' });

      const services = spans.reduce<Record<string, number>>(
        (count, s) => ({ ...count, [s.service]: (count[s.service] ?? 0) + 1 }),
        {},
      );
      const sqlSpans = spans.filter((s) => s.tags['db.system.name'] === 'postgresql').length;
      console.log(
        `trace ${traceId}: ${spans.length} spans (${JSON.stringify(services)}), ${sqlSpans} of them SQL`,
      );
    });

    it("writes the order's log lines, from the API, the worker's activities and its workflow, with that trace's ids", async () => {
      const { orderId, traceId, spans } = await tracedOrder();
      const spanName = (id: unknown) => spans.find((s) => s.spanId === id)?.operationName;
      // The last lines of the order (the worker's `order completed`, the API's request line) have been
      // written by now; wait until they came through the processes' pipes.
      const worker = await waitFor(
        async () => live.worker.output(),
        (output) =>
          jsonLines(output).some(
            (l) => l['order.id'] === orderId && l['event.action'] === 'order-completed',
          ) &&
          jsonLines(output).some((l) => l['order.id'] === orderId && l.message === 'order saga finished'),
        10_000,
        50,
      );
      await waitFor(
        async () => jsonLines(live.api.output()),
        (lines) => lines.some((l) => l['trace.id'] === traceId && l.message === 'request completed'),
        10_000,
        50,
      );
      const aboutOrder = worker.split('\n').filter((line) => line.includes(orderId));
      // Every line the worker wrote about the order is ECS JSON, the Temporal runtime's included.
      expect(aboutOrder.filter((line) => !line.startsWith('{'))).toEqual([]);
      const allWorkerLines = jsonLines(aboutOrder.join('\n'));
      // The workflow's own lines (the SDK's workflow logger, through the runtime's log bridge): written
      // inside the RunWorkflow span of that trace.
      const workflowLines = allWorkerLines.filter((l) => l.context === 'Temporal');
      expect(workflowLines.map((l) => l.message)).toEqual(['order saga started', 'order saga finished']);
      for (const line of workflowLines) {
        expect(line).toMatchObject({
          'trace.id': traceId,
          'workflow.type': 'orderSagaWorkflow',
          'workflow.id': `order-${orderId}`,
          'service.name': 'orders-worker',
        });
        expect(spanName(line['span.id'])).toBe('RunWorkflow:orderSagaWorkflow');
      }
      expect(workflowLines[1]).toMatchObject({ 'order.outcome': 'COMPLETED' });
      const workerLines = allWorkerLines.filter((l) => l.context !== 'Temporal');
      expect(workerLines.map((l) => l['event.action'])).toEqual(
        expect.arrayContaining(['payment-captured', 'order-completed']),
      );
      for (const line of workerLines) {
        expect({ message: line.message, trace: line['trace.id'] }).toEqual({
          message: line.message,
          trace: traceId,
        });
        // Written inside an activity: the span is the saga step the activity ran.
        expect({ message: line.message, span: spanName(line['span.id']) }).toEqual({
          message: line.message,
          span: expect.stringMatching(/^saga\./),
        });
        expect(line['service.name']).toBe('orders-worker');
      }

      const apiLines = jsonLines(live.api.output()).filter((l) => l['trace.id'] === traceId);
      const created = apiLines.find((l) => l['event.action'] === 'order-created');
      expect(created).toMatchObject({ 'order.id': orderId, 'service.name': 'orders-api' });
      expect(spanName(created!['span.id'])).toBe('OrdersController.place');
      const request = apiLines.find((l) => l.message === 'request completed');
      expect(request).toMatchObject({
        'http.request.method': 'POST',
        'url.path': '/orders',
        'http.route': '/orders',
        'http.response.status_code': 202,
      });
    });

    it("links the saga steps' latency to the order's trace: exemplars in Prometheus, the trace in Jaeger", async () => {
      const { orderId, traceId } = await tracedOrder();
      // Each bucket keeps the trace of its latest sample and every scrape's exemplars are stored: the
      // order's steps (the only ones run so far) are in, one per activity, once the worker was scraped.
      const stepsOfTrace = (series: ExemplarSeries[]) =>
        new Set(
          series
            .filter((s) => s.exemplars.some((e) => e.labels.trace_id === traceId))
            .map((s) => s.seriesLabels.activity),
        );
      const steps = await waitFor(
        () => queryExemplars(prometheusUrl, 'workflow_activity_duration_seconds_bucket{job="orders-worker"}'),
        (series) => ACTIVITIES.every((a) => stepsOfTrace(series).has(a)),
        20_000,
        250,
      );
      const exemplars = steps.flatMap((s) => s.exemplars.map((e) => ({ series: s.seriesLabels, ...e })));
      for (const exemplar of exemplars) {
        expect(exemplar.labels).toEqual({ trace_id: expect.stringMatching(/^[0-9a-f]{32}$/) });
        expect(exemplar.series).toMatchObject({ engine: 'temporal', outcome: 'completed' });
      }

      // What an operator does from the latency panel: open an exemplar's trace in Jaeger, where the saga
      // step its series measures is a span, of the order.
      for (const activity of ACTIVITIES) {
        const exemplar = exemplars.find((e) => e.series.activity === activity)!;
        const spans = await waitFor(
          () => jaeger!.trace(exemplar.labels.trace_id),
          (all) => all.some((s) => s.operationName === `saga.${activity}`),
          10_000,
          200,
        );
        const step = spans.find((s) => s.operationName === `saga.${activity}`)!;
        expect({ activity, service: step.service, orderId: step.tags['order.id'] }).toEqual({
          activity,
          service: 'orders-worker',
          orderId,
        });
      }

      // The order's other latency samples link to the same trace: its processing time (recorded by the
      // completing step) and the statements its steps ran.
      for (const histogram of ['order_processing_seconds', 'db_query_duration_seconds']) {
        const series = await waitFor(
          () => queryExemplars(prometheusUrl, `${histogram}_bucket{job="orders-worker"}`),
          (found) => found.some((s) => s.exemplars.some((e) => e.labels.trace_id === traceId)),
          20_000,
          250,
        );
        expect({ histogram, linked: series.length > 0 }).toEqual({ histogram, linked: true });
      }
      console.log(
        `${exemplars.length} exemplars of workflow_activity_duration_seconds over ${steps.length} series; ` +
          `trace ${traceId} found from each of ${ACTIVITIES.join(', ')}`,
      );
    });

    it('gives every Temporal and workflow dashboard panel real data from the worker, its SDK and the server', async () => {
      const queries = dashboardQueries();
      const workflowPanels = queries.filter(
        (q) => q.dashboard === 'Orders / workflows' || TEMPORAL_OR_WORKFLOW.test(q.expr),
      );
      // The panels prometheus-stack exempts (Temporal SDK metrics) are among them.
      expect(workflowPanels.filter((q) => /\btemporal_/.test(q.expr))).toHaveLength(2);
      expect(workflowPanels.filter((q) => /\bworkflow_/.test(q.expr)).length).toBeGreaterThanOrEqual(3);

      // Traffic until every panel has data: orders that complete, declined cards (the saga compensates,
      // the charge activity fails for the SDK's failure counter), an idempotent replay and a bad request.
      let rounds = 0;
      const missing = await waitFor(
        async () => {
          rounds += 1;
          const key = `telemetry-${rounds}`;
          const placed = await Promise.all([
            placeOrder(undefined, { 'idempotency-key': key }),
            placeOrder(),
            placeOrder(DECLINED_CARD),
          ]);
          expect(placed.map((r) => r.status)).toEqual([202, 202, 202]);
          expect((await placeOrder(undefined, { 'idempotency-key': key })).body.id).toBe(placed[0].body.id);
          expect((await live.request('POST', '/orders', { items: [] })).status).toBe(400);
          const finals = await Promise.all(placed.map((r) => live.finalState(r.body.id as string)));
          expect(finals.map((o) => o.status)).toEqual(['COMPLETED', 'COMPLETED', 'FAILED']);
          return withoutData(workflowPanels);
        },
        (none) => none.length === 0,
        120_000,
        500,
      );
      expect(missing).toEqual([]);

      const everyPanel = new Set(queries.map((q) => `${q.dashboard} › ${q.panel}`));
      const empty = await withoutData(queries);
      const emptyPanels = new Set(empty.map((e) => e.slice(0, e.lastIndexOf(': '))));
      console.log(
        `after ${rounds} rounds of traffic: ${workflowPanels.length}/${workflowPanels.length} Temporal/workflow ` +
          `queries with data; all dashboards: ${queries.length - empty.length}/${queries.length} queries, ` +
          `${everyPanel.size - emptyPanels.size}/${everyPanel.size} panels with data; without data:\n` +
          empty.join('\n'),
      );
    }, 180_000);

    it('takes the shipping and workflow failure alerts to pending or firing when the carrier fails every booking', async () => {
      await live.setFaults({ carrier: { failureRate: 1 } });
      const fired = (alerts: Alert[]) =>
        alerts.filter(
          (a) =>
            ['ShippingFailureRateHigh', 'WorkflowFailureRateHigh'].includes(a.labels.alertname) &&
            a.labels.job === 'orders-worker',
        );
      const alerts = await waitFor(
        async () => {
          const placed = await Promise.all([placeOrder(), placeOrder(), placeOrder(), placeOrder()]);
          const finals = await Promise.all(placed.map((r) => live.finalState(r.body.id as string, 45_000)));
          expect(finals.map((o) => `${o.status} ${o.failureReason}`)).toEqual(
            Array(4).fill('FAILED SHIPPING_FAILED'),
          );
          return fired(await prometheusAlerts(prometheusUrl));
        },
        (found) => found.length === 2,
        120_000,
        500,
      );
      for (const alert of alerts) {
        expect(['pending', 'firing']).toContain(alert.state);
        expect(alert.labels).toMatchObject({ service: 'orders-worker', job: 'orders-worker' });
      }
      const shipping = alerts.find((a) => a.labels.alertname === 'ShippingFailureRateHigh')!;
      expect(shipping.labels.severity).toBe('warning');
      expect(shipping.annotations.summary).toMatch(/^orders-worker: \d+(\.\d+)?% of shipment bookings fail$/);
      const workflow = alerts.find((a) => a.labels.alertname === 'WorkflowFailureRateHigh')!;
      expect(workflow.labels.severity).toBe('critical');
      expect(workflow.annotations.summary).toMatch(
        /^orders-worker: \d+(\.\d+)?% of saga activity attempts fail$/,
      );
      console.log(
        alerts.map((a) => `${a.labels.alertname}: ${a.state} — ${a.annotations.summary}`).join('\n'),
      );
    }, 180_000);
  },
);
