import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { freePort } from '../../tooling/free-port';
import { prometheusQuery, prometheusTargets } from '../../test/support/prometheus-api';
import { describeWithServers } from '../../test/support/real-servers';
import { requireServer } from '../../tooling/real-servers';
import { startServerProcess, type ServerProcess } from '../../tooling/processes';
import { waitFor } from '../../tooling/wait-for';

const CONFIG = path.resolve(__dirname, '../prometheus/prometheus.kubernetes.yml');

interface FakePod {
  name: string;
  annotations: Record<string, string>;
  metricsPath: string;
  /** What it serves on its metrics path. @default `pod_up{pod="<name>"} 1` */
  body?: string;
  server?: Server;
  port?: number;
}

/** A pod's metrics endpoint: answers only on its own path. */
async function serve(pod: FakePod): Promise<void> {
  pod.server = createServer((request, response) => {
    if (request.url === pod.metricsPath)
      response
        .writeHead(200, { 'content-type': 'text/plain' })
        .end(pod.body ?? `pod_up{pod="${pod.name}"} 1\n`);
    else response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => pod.server!.listen(0, '127.0.0.1', resolve));
  pod.port = (pod.server.address() as AddressInfo).port;
}

/**
 * The Kubernetes job's own relabel_configs, run by a real Prometheus over a file_sd target list carrying
 * the `__meta_kubernetes_pod_*` labels Kubernetes discovery would set (this Prometheus build has no
 * kubernetes_sd_configs).
 */
describeWithServers(
  ['prometheus'],
  'Kubernetes pod-annotation discovery (real Prometheus 3, file_sd standing in for the API server)',
  () => {
    const pods: FakePod[] = [
      {
        name: 'orders-api-7d9f',
        annotations: { scrape: 'true', path: '/custom/metrics' },
        metricsPath: '/custom/metrics',
      },
      { name: 'orders-worker-5c2a', annotations: { scrape: 'true' }, metricsPath: '/metrics' },
      { name: 'redis-0', annotations: {}, metricsPath: '/metrics' },
      { name: 'opted-out-1', annotations: { scrape: 'false' }, metricsPath: '/metrics' },
    ];
    // The worker's second endpoint: the Temporal SDK's own metrics, announced by prometheus.io/sdk-port.
    const sdk: FakePod = { name: 'orders-worker-5c2a-sdk', annotations: {}, metricsPath: '/metrics' };
    // kube-state-metrics, in its own namespace, unannotated: its metrics port describes other pods, its
    // telemetry port only itself.
    const kubeStateMetrics: FakePod = {
      name: 'kube-state-metrics-6d4f',
      annotations: {},
      metricsPath: '/metrics',
      body: 'kube_pod_container_status_restarts_total{namespace="shop",pod="orders-api-7d9f",container="api"} 2\n',
    };
    const kubeStateTelemetry: FakePod = {
      name: 'kube-state-metrics-6d4f',
      annotations: {},
      metricsPath: '/metrics',
    };
    /**
     * The monitoring and trace pipeline, unannotated, as their charts and ops/k8s declare them: each pod's
     * metrics port (Alertmanager's 9093, named `http` as in its chart; Jaeger's and the Collector's named
     * `metrics`, 8888), and another port of theirs that is not scraped. Discovery gives one target per port.
     */
    const pipeline: Array<{ app: string; pod: FakePod; port: [string, number]; other: [string, number] }> = [
      {
        app: 'alertmanager',
        pod: { name: 'alertmanager-0', annotations: {}, metricsPath: '/metrics' },
        port: ['http', 9093],
        other: ['cluster', 9094],
      },
      {
        app: 'jaeger',
        pod: { name: 'jaeger-5b7c', annotations: {}, metricsPath: '/metrics' },
        port: ['metrics', 8888],
        other: ['otlp-http', 4318],
      },
      {
        app: 'otel-collector',
        pod: { name: 'otel-collector-9f3e', annotations: {}, metricsPath: '/metrics' },
        port: ['metrics', 8888],
        other: ['otlp-grpc', 4317],
      },
    ];
    let workDir: string;
    let prometheus: ServerProcess | undefined;
    let apiUrl: string;

    beforeAll(async () => {
      for (const pod of pods) await serve(pod);
      await serve(sdk);
      await serve(kubeStateMetrics);
      await serve(kubeStateTelemetry);
      for (const { pod } of pipeline) await serve(pod);
      workDir = mkdtempSync(path.join(tmpdir(), 'prom-k8s-sd-'));
      const targets: { targets: string[]; labels: Record<string, string> }[] = pods.map((pod) => ({
        // A pod IP with a declared container port that is NOT the metrics port: the annotation must win.
        targets: ['127.0.0.1:1'],
        labels: {
          __meta_kubernetes_namespace: 'shop',
          __meta_kubernetes_pod_name: pod.name,
          __meta_kubernetes_pod_phase: 'Running',
          __meta_kubernetes_pod_label_app_kubernetes_io_name: pod.name.replace(/-[^-]+$/, ''),
          ...Object.fromEntries(
            Object.entries(pod.annotations).map(([k, v]) => [
              `__meta_kubernetes_pod_annotation_prometheus_io_${k}`,
              v,
            ]),
          ),
          ...(pod.annotations.scrape
            ? { __meta_kubernetes_pod_annotation_prometheus_io_port: String(pod.port) }
            : {}),
          ...(pod.name === 'orders-worker-5c2a'
            ? { __meta_kubernetes_pod_annotation_prometheus_io_sdk_port: String(sdk.port) }
            : {}),
        },
      }));
      // Discovery gives one target per declared container port, at that port.
      for (const [pod, portName] of [
        [kubeStateMetrics, 'http-metrics'],
        [kubeStateTelemetry, 'telemetry'],
      ] as const)
        targets.push({
          targets: [`127.0.0.1:${pod.port}`],
          labels: {
            __meta_kubernetes_namespace: 'monitoring',
            __meta_kubernetes_pod_name: pod.name,
            __meta_kubernetes_pod_phase: 'Running',
            __meta_kubernetes_pod_label_app_kubernetes_io_name: 'kube-state-metrics',
            __meta_kubernetes_pod_container_port_name: portName,
          },
        });
      for (const { app, pod, port, other } of pipeline)
        for (const [portName, portNumber] of [port, other])
          targets.push({
            // The fake pod serves its metrics on a free port whatever the declared number.
            targets: [portNumber === port[1] ? `127.0.0.1:${pod.port}` : '127.0.0.1:1'],
            labels: {
              __meta_kubernetes_namespace: 'monitoring',
              __meta_kubernetes_pod_name: pod.name,
              __meta_kubernetes_pod_phase: 'Running',
              __meta_kubernetes_pod_label_app_kubernetes_io_name: app,
              __meta_kubernetes_pod_container_port_name: portName,
              __meta_kubernetes_pod_container_port_number: String(portNumber),
            },
          });
      writeFileSync(path.join(workDir, 'targets.json'), JSON.stringify(targets));

      const config = parse(readFileSync(CONFIG, 'utf8'));
      for (const job of config.scrape_configs) {
        delete job.kubernetes_sd_configs;
        job.file_sd_configs = [{ files: [path.join(workDir, 'targets.json')], refresh_interval: '1s' }];
        job.scrape_interval = '1s';
      }
      writeFileSync(
        path.join(workDir, 'prometheus.yml'),
        stringify({ global: { scrape_interval: '1s' }, scrape_configs: config.scrape_configs }),
      );

      const port = await freePort();
      apiUrl = `http://127.0.0.1:${port}`;
      prometheus = await startServerProcess(
        requireServer('prometheus'),
        [
          `--config.file=${path.join(workDir, 'prometheus.yml')}`,
          `--storage.tsdb.path=${path.join(workDir, 'data')}`,
          `--web.listen-address=127.0.0.1:${port}`,
        ],
        {
          readyUrl: `${apiUrl}/-/ready`,
        },
      );
    });
    afterAll(async () => {
      await prometheus?.stop();
      for (const pod of [...pods, sdk, kubeStateMetrics, kubeStateTelemetry, ...pipeline.map((p) => p.pod)])
        await new Promise((resolve) => pod.server?.close(resolve));
      rmSync(workDir, { recursive: true, force: true });
    });

    it('scrapes annotated pods at the annotated port and path, with namespace, pod and app labels, and drops the rest', async () => {
      const targets = await waitFor(
        () => prometheusTargets(apiUrl),
        (data) => data.activeTargets.length === 7 && data.activeTargets.every((t) => t.health === 'up'),
        30_000,
        500,
      );
      const OWN_JOBS = ['temporal-sdk', 'kube-state-metrics', ...pipeline.map((p) => p.app)];
      // The pods job names its targets' jobs after their apps.
      const byJob = (job: string) =>
        targets.activeTargets.filter((t) =>
          job === 'pods' ? !OWN_JOBS.includes(t.labels.job) : t.labels.job === job,
        );
      const active = Object.fromEntries(byJob('pods').map((t) => [t.labels.pod, t]));
      expect(Object.keys(active).sort()).toEqual(['orders-api-7d9f', 'orders-worker-5c2a']);
      expect(active['orders-api-7d9f'].scrapeUrl).toBe(`http://127.0.0.1:${pods[0].port}/custom/metrics`);
      expect(active['orders-worker-5c2a'].scrapeUrl).toBe(`http://127.0.0.1:${pods[1].port}/metrics`);
      expect(active['orders-api-7d9f'].labels).toMatchObject({
        namespace: 'shop',
        pod: 'orders-api-7d9f',
        app: 'orders-api',
        job: 'orders-api',
      });
      const dropped = targets.droppedTargets
        .filter((t) => t.discoveredLabels.job === 'kubernetes-pods')
        .map((t) => t.discoveredLabels.__meta_kubernetes_pod_name)
        .sort();
      expect([...new Set(dropped)]).toEqual([
        'alertmanager-0',
        'jaeger-5b7c',
        'kube-state-metrics-6d4f',
        'opted-out-1',
        'otel-collector-9f3e',
        'redis-0',
      ]);
      // The second job scrapes only pods announcing an SDK port, at that port.
      expect(byJob('temporal-sdk').map((t) => [t.labels.pod, t.scrapeUrl])).toEqual([
        ['orders-worker-5c2a', `http://127.0.0.1:${sdk.port}/metrics`],
      ]);

      // kube-state-metrics: its metrics port only, and its series keep the namespace and pod they describe.
      expect(byJob('kube-state-metrics').map((t) => t.scrapeUrl)).toEqual([
        `http://127.0.0.1:${kubeStateMetrics.port}/metrics`,
      ]);
      const restarts = await waitFor(
        () => prometheusQuery(apiUrl, 'kube_pod_container_status_restarts_total'),
        (results) => results.length > 0,
        30_000,
        500,
      );
      expect(restarts.map((r) => r.metric)).toEqual([
        {
          __name__: 'kube_pod_container_status_restarts_total',
          job: 'kube-state-metrics',
          instance: `127.0.0.1:${kubeStateMetrics.port}`,
          namespace: 'shop',
          pod: 'orders-api-7d9f',
          container: 'api',
        },
      ]);

      const scraped = (await prometheusQuery(apiUrl, 'pod_up'))
        .map((r) => `${r.metric.job}/${r.metric.pod}`)
        .sort();
      expect(scraped).toEqual([
        'alertmanager/alertmanager-0',
        'jaeger/jaeger-5b7c',
        'orders-api/orders-api-7d9f',
        'orders-worker/orders-worker-5c2a',
        'otel-collector/otel-collector-9f3e',
        'temporal-sdk/orders-worker-5c2a',
      ]);

      // Alertmanager, Jaeger and the Collector: their metrics port only, under the job the alerts on them
      // use (MonitoringTargetDown), with their namespace, pod and app.
      for (const { app, pod } of pipeline)
        expect(byJob(app).map((t) => ({ url: t.scrapeUrl, labels: t.labels }))).toEqual([
          {
            url: `http://127.0.0.1:${pod.port}/metrics`,
            labels: {
              job: app,
              instance: `127.0.0.1:${pod.port}`,
              namespace: 'monitoring',
              pod: pod.name,
              app,
            },
          },
        ]);
    });
  },
);
