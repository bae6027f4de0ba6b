import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import type { ReceivedRequest } from '../../../test/support/http-sink';
import {
  alertmanagerAlerts,
  prometheusAlerts,
  prometheusTargets,
} from '../../../test/support/prometheus-api';
import { startProjectPrometheus, type RunningPrometheus } from '../../../test/support/prometheus-server';
import { describeWithServers } from '../../../test/support/real-servers';
import { startApiProcess, type ApiProcess } from '../../../tooling/app-processes';
import { createTestDatabase, type TestDatabase } from '../../../tooling/database';
import { freePort } from '../../../tooling/free-port';
import { requestJson } from '../../../tooling/json-request';
import { startServerProcess, type ServerProcess } from '../../../tooling/processes';
import { requireServer } from '../../../tooling/real-servers';
import { REPO_ROOT } from '../../../tooling/repo-root';
import { OPERATOR } from '../../../tooling/tokens';
import { waitFor } from '../../../tooling/wait-for';

const PROMETHEUS_DIR = path.join(REPO_ROOT, 'ops/prometheus');
const ALERTMANAGER_CONFIG = path.join(REPO_ROOT, 'ops/alertmanager/alertmanager.yml');

/** Every alerting rule of the shipped rule files, by name (the Sloth alerts' page and ticket share one). */
const RULES = new Map<string, any>(
  readdirSync(path.join(PROMETHEUS_DIR, 'rules'))
    .filter((file) => file.endsWith('.yml'))
    .flatMap((file) => parse(readFileSync(path.join(PROMETHEUS_DIR, 'rules', file), 'utf8')).groups)
    .flatMap((group: any) => group.rules)
    .filter((rule: any) => rule.alert)
    .map((rule: any) => [rule.alert, rule]),
);

/**
 * A rule's label or annotation template as Prometheus renders it for an alert with these labels. Only the
 * `{{ $labels.<name> }}` actions are rendered: the templates this spec compares use no other.
 */
function render(template: string, labels: Record<string, string>): string {
  const rendered = template.replace(/\{\{ \$labels\.(\w+) \}\}/g, (_, name: string) => labels[name] ?? '');
  if (rendered.includes('{{')) throw new Error(`render() does not render ${template}`);
  return rendered;
}

/** Where the shipped routing tree sends an alert with these labels: `amtool config routes test`. */
function promisedReceiver(labels: Record<string, string>): string {
  const result = spawnSync(
    requireServer('amtool'),
    [
      'config',
      'routes',
      'test',
      `--config.file=${ALERTMANAGER_CONFIG}`,
      ...Object.entries(labels).map(([k, v]) => `${k}=${v}`),
    ],
    { encoding: 'utf8', timeout: 30_000 },
  );
  if (result.status !== 0) throw new Error(`amtool config routes test failed: ${result.stderr}`);
  return result.stdout.trim();
}

/** The dotted paths at which two YAML trees differ (values changed, added or removed). */
function differences(shipped: unknown, running: unknown, at = ''): string[] {
  if (typeof shipped !== 'object' || typeof running !== 'object' || shipped === null || running === null)
    return Object.is(shipped, running) ? [] : [at];
  const keys = new Set([...Object.keys(shipped), ...Object.keys(running)]);
  return [...keys].flatMap((key) =>
    differences((shipped as any)[key], (running as any)[key], at ? `${at}.${key}` : key),
  );
}

/**
 * The shipped Alertmanager configuration with its receivers pointed at this test's sink: the receivers'
 * URLs (the pager's webhook URL, the chat's and the dead man's switch's URL files), the email receiver's
 * SMTP server (a closed port: nothing in this test is routed to email), and the secret files they read,
 * written to `dir`. Nothing else changes: routes, timings, grouping, inhibition and templates stay as
 * shipped, which the first test checks.
 */
function alertmanagerConfigForTest(sinkUrl: string, dir: string): any {
  const secret = (name: string, content: string) => {
    const file = path.join(dir, name);
    writeFileSync(file, content);
    return file;
  };
  const config = parse(readFileSync(ALERTMANAGER_CONFIG, 'utf8'));
  const receiver = (name: string) => config.receivers.find((r: any) => r.name === name);
  config.global.smtp_smarthost = '127.0.0.1:1';
  config.global.smtp_auth_password_file = secret('smtp-password', 'unused');
  const pager = receiver('pager').webhook_configs[0];
  pager.url = `${sinkUrl}/pager`;
  pager.http_config.authorization.credentials_file = secret('pager-token', 'pager-token');
  receiver('chat').slack_configs[0].api_url_file = secret('chat-webhook-url', `${sinkUrl}/chat`);
  receiver('watchdog').webhook_configs[0].url_file = secret('dead-mans-switch-url', `${sinkUrl}/watchdog`);
  return config;
}

interface Receivers {
  url: string;
  requests: ReceivedRequest[];
  close(): Promise<void>;
}

/**
 * The receivers' side: records every notification and answers as the services do, so that Alertmanager
 * counts each delivery as a success: `ok` in plain text for the chat (a Slack incoming webhook's answer;
 * Alertmanager's Slack notifier fails any other body), an empty 200 for the webhooks.
 */
async function startReceivers(): Promise<Receivers> {
  const requests: ReceivedRequest[] = [];
  const server = createServer((request, response) => {
    let raw = '';
    request.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    request.on('end', () => {
      let body: unknown = raw;
      try {
        body = JSON.parse(raw);
      } catch {
        // not JSON: keep the text
      }
      requests.push({
        method: request.method ?? '',
        path: request.url ?? '',
        headers: request.headers,
        body,
      });
      if (request.url === '/chat') response.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      else response.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Notifications, and requests of notifications, that Alertmanager failed (its own counters, summed). */
async function failedNotifications(alertmanagerUrl: string): Promise<number> {
  const text = await (await fetch(`${alertmanagerUrl}/metrics`)).text();
  return [
    ...text.matchAll(/^alertmanager_notification(?:s_failed|_requests_failed)_total\{[^}]*\} (\S+)$/gm),
  ].reduce((sum, [, value]) => sum + Number(value), 0);
}

/** What a Slack-style receiver (the chat) got: its message title, per Alertmanager's Slack notifier. */
const slackTitles = (requests: ReceivedRequest[]) =>
  requests.flatMap((r) => (r.body?.attachments ?? []).map((a: any) => String(a.title)));

/**
 * The alerting path as shipped, for real: the API (inline engine, real PostgreSQL) scraped by Prometheus 3
 * with the shipped rule files, as they are, and the shipped `alerting` block, which sends to Alertmanager
 * 0.35 with the shipped routes; only the targets (this run's API and Alertmanager), the receivers' URLs
 * and a one-second scrape and evaluation interval differ. A fault switched on through /admin/faults sets
 * off FaultInjectionActive (`for: 1m`), which reaches the receiver its severity is routed to with the
 * rule's labels and annotations; cleared, it is resolved there. The Watchdog reaches the dead man's switch
 * meanwhile. Alertmanager's shipped timings make this slow: 30 s before a group's first notification, 5
 * minutes before the next one, which is when the resolution goes out.
 */
describeWithServers(
  ['prometheus', 'alertmanager', 'amtool'],
  'alerting end to end (real API, Prometheus 3 with the shipped rules and alerting, Alertmanager 0.35 with the shipped routes)',
  () => {
    let db: TestDatabase;
    let api: ApiProcess;
    let sink: Receivers;
    let workDir: string;
    let alertmanager: ServerProcess | undefined;
    let alertmanagerUrl: string;
    let alertmanagerTarget: string;
    let prometheus: RunningPrometheus;
    let apiTarget: string;
    const setFaults = async (method: 'PUT' | 'DELETE', body?: unknown) =>
      requestJson(api.baseUrl, method, '/admin/faults', {
        headers: await api.tokens.headers(OPERATOR),
        body,
      });
    const received = (receiverPath: string) => sink.requests.filter((r) => r.path === receiverPath);

    beforeAll(async () => {
      sink = await startReceivers();
      workDir = mkdtempSync(path.join(tmpdir(), 'alerting-pipeline-'));
      db = await createTestDatabase();
      const metricsPort = await freePort();
      api = await startApiProcess({
        DATABASE_URL: db.url,
        METRICS_PORT: String(metricsPort),
        FAULT_INJECTION_REFRESH_MS: '200',
      });
      apiTarget = `127.0.0.1:${metricsPort}`;

      const alertmanagerPort = await freePort();
      alertmanagerTarget = `127.0.0.1:${alertmanagerPort}`;
      alertmanagerUrl = `http://${alertmanagerTarget}`;
      writeFileSync(
        path.join(workDir, 'alertmanager.yml'),
        stringify(alertmanagerConfigForTest(sink.url, workDir)),
      );
      alertmanager = await startServerProcess(
        requireServer('alertmanager'),
        [
          `--config.file=${path.join(workDir, 'alertmanager.yml')}`,
          `--storage.path=${path.join(workDir, 'alertmanager-data')}`,
          `--web.listen-address=${alertmanagerTarget}`,
          '--cluster.listen-address=',
        ],
        { readyUrl: `${alertmanagerUrl}/-/ready` },
      );

      prometheus = await startProjectPrometheus(
        { 'orders-api': [apiTarget], alertmanager: [alertmanagerTarget] },
        { alertmanagers: [alertmanagerTarget], ruleFiles: 'shipped' },
      );
    }, 120_000);

    afterAll(async () => {
      await prometheus?.stop();
      await alertmanager?.stop();
      await api?.stop();
      await db?.drop();
      await sink?.close();
      if (workDir) rmSync(workDir, { recursive: true, force: true });
    });

    it('runs the shipped configurations, only their targets, receivers’ URLs and intervals changed', async () => {
      const shippedAlertmanager = parse(readFileSync(ALERTMANAGER_CONFIG, 'utf8'));
      const runningAlertmanager = parse(readFileSync(path.join(workDir, 'alertmanager.yml'), 'utf8'));
      expect(differences(shippedAlertmanager, runningAlertmanager).sort()).toEqual([
        'global.smtp_auth_password_file',
        'global.smtp_smarthost',
        'receivers.0.webhook_configs.0.http_config.authorization.credentials_file',
        'receivers.0.webhook_configs.0.url',
        'receivers.1.slack_configs.0.api_url_file',
        'receivers.3.webhook_configs.0.url_file',
      ]);

      const shipped = parse(readFileSync(path.join(PROMETHEUS_DIR, 'prometheus.yml'), 'utf8'));
      const running = prometheus.config;
      expect(running.rule_files).toEqual(shipped.rule_files.map((f: string) => path.join(PROMETHEUS_DIR, f)));
      expect(differences(shipped.alerting, running.alerting)).toEqual([
        'alertmanagers.0.static_configs.0.targets.0',
      ]);
      expect(running.alerting.alertmanagers[0].static_configs[0].targets).toEqual([alertmanagerTarget]);
      expect(differences(shipped.global, running.global).sort()).toEqual([
        'evaluation_interval',
        'scrape_interval',
        'scrape_timeout',
      ]);
      for (const job of running.scrape_configs)
        expect(
          differences(
            shipped.scrape_configs.find((j: any) => j.job_name === job.job_name),
            job,
          ),
        ).toEqual(['static_configs.0.targets.0']);

      const targets = await waitFor(
        async () => (await prometheusTargets(prometheus.url)).activeTargets,
        (active) => active.length === 2 && active.every((t) => t.health === 'up'),
        30_000,
        500,
      );
      expect(Object.fromEntries(targets.map((t) => [t.labels.job, t.labels.instance]))).toEqual({
        'orders-api': apiTarget,
        alertmanager: alertmanagerTarget,
      });
    });

    it('delivers the Watchdog to the dead man’s switch receiver, with the rule’s labels and annotations', async () => {
      const rule = RULES.get('Watchdog');
      const labels = { alertname: 'Watchdog', ...rule.labels };
      expect(promisedReceiver(labels)).toBe('watchdog');
      const [ping] = await waitFor(
        async () => received('/watchdog'),
        (requests) => requests.length > 0,
        60_000,
        250,
      );
      expect(ping.body).toMatchObject({ receiver: 'watchdog', status: 'firing' });
      expect(ping.body.alerts).toHaveLength(1);
      expect(ping.body.alerts[0]).toMatchObject({
        status: 'firing',
        // Prometheus adds its external labels to the alerts it sends.
        labels: { ...labels, cluster: shippedExternalLabels().cluster },
        annotations: rule.annotations,
      });
      expect(Object.keys(ping.body.alerts[0].labels).sort()).toEqual(
        [...Object.keys(labels), 'cluster'].sort(),
      );
    });

    it('routes FaultInjectionActive to the chat when a fault is switched on, with the rule’s labels and annotations, and resolves it when cleared', async () => {
      const rule = RULES.get('FaultInjectionActive');
      // What the alert must carry for this fault on this API: the rule's labels, rendered, over the series'.
      const seriesLabels = { job: 'orders-api', fault: 'payment_decline' };
      const labels: Record<string, string> = {
        alertname: 'FaultInjectionActive',
        ...seriesLabels,
        ...Object.fromEntries(
          Object.entries(rule.labels as Record<string, string>).map(([k, v]) => [k, render(v, seriesLabels)]),
        ),
        cluster: shippedExternalLabels().cluster,
      };
      const annotations = Object.fromEntries(
        Object.entries(rule.annotations as Record<string, string>).map(([k, v]) => [
          k,
          render(v, { ...seriesLabels, ...labels }),
        ]),
      );
      expect(labels).toMatchObject({ severity: 'warning', service: 'orders-api' });
      const receiver = promisedReceiver(labels);
      expect(receiver).toBe('chat');

      const switched = await setFaults('PUT', { payment: { declineRate: 1 } });
      expect(switched.status).toBe(200);
      expect(switched.body.active).toEqual(['payment_decline']);

      // Pending for the rule's `for: 1m`, then firing; the chat route's group_wait (30 s) later, in the chat.
      const firingTitle = `[FIRING] FaultInjectionActive (${labels.service})`;
      await waitFor(
        async () => slackTitles(received('/chat')),
        (titles) => titles.includes(firingTitle),
        180_000,
        500,
      );
      const message = received('/chat').find((r) => slackTitles([r]).includes(firingTitle))!;
      expect(message.body).toMatchObject({ channel: '#orders-alerts' });
      expect(message.body.attachments[0].text).toBe(`${annotations.summary}\n`);

      // The alert as Prometheus fired it, and as Alertmanager routed it: the rule's labels and annotations.
      const firing = (await prometheusAlerts(prometheus.url)).filter(
        (a) => a.labels.alertname === 'FaultInjectionActive',
      );
      expect(firing.map((a) => ({ state: a.state, labels: a.labels, annotations: a.annotations }))).toEqual([
        { state: 'firing', labels: { ...labels, cluster: undefined }, annotations },
      ]);
      const held = (await alertmanagerAlerts(alertmanagerUrl)).filter(
        (a) => a.labels.alertname === 'FaultInjectionActive',
      );
      expect(
        held.map((a) => ({ labels: a.labels, annotations: a.annotations, receivers: a.receivers })),
      ).toEqual([{ labels, annotations, receivers: [{ name: receiver }] }]);
      expect(held[0].status.state).toBe('active');
      // The chat only: not paged, not mailed, not the dead man's switch.
      for (const other of ['/pager', '/watchdog'])
        expect(JSON.stringify(received(other).map((r) => r.body))).not.toContain('FaultInjectionActive');

      // Cleared: resolved in Prometheus at once, in the chat at the group's next notification (group_interval).
      const cleared = await setFaults('DELETE');
      expect(cleared.status).toBe(200);
      expect(cleared.body.active).toEqual([]);
      await waitFor(
        () => prometheusAlerts(prometheus.url),
        (alerts) => !alerts.some((a) => a.labels.alertname === 'FaultInjectionActive'),
        30_000,
        500,
      );
      const resolvedTitle = `[RESOLVED] FaultInjectionActive (${labels.service})`;
      await waitFor(
        async () => slackTitles(received('/chat')),
        (titles) => titles.includes(resolvedTitle),
        420_000,
        1_000,
      );
      const resolved = received('/chat').find((r) => slackTitles([r]).includes(resolvedTitle))!;
      expect(resolved.body.attachments[0].text).toBe(`${annotations.summary}\n`);
      expect(slackTitles(received('/chat')).filter((t) => t.includes('FaultInjectionActive'))).toEqual([
        firingTitle,
        resolvedTitle,
      ]);

      // The dead man's switch kept hearing from the Watchdog meanwhile (every one to two minutes), and
      // every request Alertmanager sent was answered as its integration expects.
      expect(received('/watchdog').length).toBeGreaterThanOrEqual(3);
      expect(await failedNotifications(alertmanagerUrl)).toBe(0);
    }, 660_000);
  },
);

/** The external labels of the shipped compose configuration, which Prometheus adds to its alerts. */
function shippedExternalLabels(): Record<string, string> {
  return parse(readFileSync(path.join(PROMETHEUS_DIR, 'prometheus.yml'), 'utf8')).global.external_labels;
}
