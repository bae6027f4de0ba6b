import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { freePort } from '../../tooling/free-port';
import { startServerProcess, type ServerProcess } from '../../tooling/processes';
import { startHttpSink, type HttpSink } from '../../test/support/http-sink';
import { waitFor } from '../../tooling/wait-for';
import { describeWithServers } from '../../test/support/real-servers';
import { requireServer } from '../../tooling/real-servers';
import { runTool } from './promtool';

const DIR = path.resolve(__dirname, '../alertmanager');
const CONFIG = 'alertmanager.yml';

describeWithServers(['amtool'], 'Alertmanager configuration (amtool 0.35)', () => {
  it('passes amtool check-config', () => {
    const result = runTool('amtool', ['check-config', CONFIG], DIR);
    expect(result).toMatchObject({ status: 0 });
    expect(result.output).toContain('SUCCESS');
  });

  it.each([
    ['severity=critical service=orders-api alertname=Http5xxRatioHigh', 'pager'],
    ['severity=critical service=postgres alertname=TargetDown', 'pager'],
    ['severity=warning service=orders-api alertname=HttpLatencyP95High', 'chat'],
    // SLO burn-rate alerts: the page and the ticket of one SLO share a name; severity routes them.
    [
      'severity=critical service=orders-api alertname=OrderPlacementErrorBudgetBurn sloth_severity=page',
      'pager',
    ],
    ['severity=warning service=orders alertname=OrderCompletionBudgetBurn sloth_severity=ticket', 'chat'],
    ['severity=info service=orders-api alertname=Something', 'email'],
    // The dead man's switch: the Watchdog goes to its own receiver, whatever else it carries.
    ['severity=none service=monitoring alertname=Watchdog', 'watchdog'],
    ['severity=critical service=orders-api alertname=Watchdog', 'watchdog'],
    ['alertname=NoSeverity', 'email'],
  ])('routes %s to %s', (labels, receiver) => {
    const result = runTool(
      'amtool',
      [
        'config',
        'routes',
        'test',
        `--config.file=${CONFIG}`,
        `--verify.receivers=${receiver}`,
        ...labels.split(' '),
      ],
      DIR,
    );
    expect(result).toMatchObject({ status: 0 });
  });

  it('commits no secret: every credential is read from a file', () => {
    const text = readFileSync(path.join(DIR, CONFIG), 'utf8');
    expect(text).not.toMatch(/(password|api_url|credentials):\s/);
    expect(text).toMatch(/smtp_auth_password_file:/);
    expect(text).toMatch(/api_url_file:/);
    expect(text).toMatch(/credentials_file:/);
    // The dead man's switch's ping URL is a credential too.
    expect(text).toMatch(/url_file: \/etc\/alertmanager\/secrets\/dead-mans-switch-url/);
  });

  it('pings the dead man’s switch with the Watchdog every minute or two, and never for another alert', () => {
    const config = parse(readFileSync(path.join(DIR, CONFIG), 'utf8'));
    const [watchdog, ...others] = config.route.routes;
    expect(watchdog).toMatchObject({
      matchers: ['alertname="Watchdog"'],
      receiver: 'watchdog',
      group_wait: '0s',
      group_interval: '1m',
      repeat_interval: '1m',
    });
    expect(watchdog.continue).toBeUndefined();
    expect(others.map((r: any) => r.receiver)).not.toContain('watchdog');
    const receiver = config.receivers.find((r: any) => r.name === 'watchdog');
    expect(receiver.webhook_configs).toEqual([
      { url_file: '/etc/alertmanager/secrets/dead-mans-switch-url', send_resolved: false },
    ]);
  });
});

/**
 * The real Alertmanager with this configuration: deliveries go to a local webhook sink (receiver URLs and
 * secret files are redirected to loopback and temporary files; grouping waits shortened to 1 s).
 */
describeWithServers(['alertmanager'], 'Alertmanager routing and inhibition (real Alertmanager 0.35)', () => {
  let sink: HttpSink;
  let workDir: string;
  let alertmanager: ServerProcess | undefined;
  let apiUrl: string;
  const alerts = () => fetch(`${apiUrl}/api/v2/alerts`).then((r) => r.json() as Promise<any[]>);

  beforeAll(async () => {
    sink = await startHttpSink();
    workDir = mkdtempSync(path.join(tmpdir(), 'alertmanager-'));
    const secret = (name: string, value: string) => {
      const file = path.join(workDir, name);
      writeFileSync(file, value);
      return file;
    };
    const config = parse(readFileSync(path.join(DIR, CONFIG), 'utf8'));
    config.global.smtp_smarthost = '127.0.0.1:1';
    config.global.smtp_auth_password_file = secret('smtp-password', 'not-used');
    for (const route of [config.route, ...config.route.routes]) {
      route.group_wait = '1s';
      route.group_interval = '1s';
    }
    const pager = config.receivers.find((r: any) => r.name === 'pager').webhook_configs[0];
    pager.url = `${sink.url}/pager`;
    pager.http_config.authorization.credentials_file = secret('pager-token', 'pager-secret-token');
    config.receivers.find((r: any) => r.name === 'chat').slack_configs[0].api_url_file = secret(
      'chat-url',
      `${sink.url}/chat`,
    );
    config.receivers.find((r: any) => r.name === 'watchdog').webhook_configs[0].url_file = secret(
      'dead-mans-switch-url',
      `${sink.url}/watchdog`,
    );
    writeFileSync(path.join(workDir, CONFIG), stringify(config));

    const port = await freePort();
    apiUrl = `http://127.0.0.1:${port}`;
    alertmanager = await startServerProcess(
      requireServer('alertmanager'),
      [
        `--config.file=${path.join(workDir, CONFIG)}`,
        `--storage.path=${path.join(workDir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--cluster.listen-address=',
      ],
      {
        readyUrl: `${apiUrl}/-/ready`,
      },
    );
  });
  afterAll(async () => {
    await alertmanager?.stop();
    await sink?.close();
    rmSync(workDir, { recursive: true, force: true });
  });

  it('pages for critical, chats for warning, and holds back a warning of a service that is already critical', async () => {
    const now = new Date().toISOString();
    const alert = (labels: Record<string, string>) => ({
      labels,
      annotations: { summary: labels.alertname },
      startsAt: now,
    });
    const response = await fetch(`${apiUrl}/api/v2/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([
        alert({ alertname: 'Http5xxRatioHigh', severity: 'critical', service: 'orders-api' }),
        alert({ alertname: 'HttpLatencyP95High', severity: 'warning', service: 'orders-api' }),
        alert({ alertname: 'LogShippingFailing', severity: 'warning', service: 'orders-worker' }),
      ]),
    });
    expect(response.status).toBe(200);

    await waitFor(
      async () => sink.requests,
      (requests) => requests.some((r) => r.path === '/pager') && requests.some((r) => r.path === '/chat'),
      20_000,
      200,
    );
    const pager = sink.requests.find((r) => r.path === '/pager')!;
    expect(pager.headers.authorization).toBe('Bearer pager-secret-token');
    expect(pager.body.alerts.map((a: any) => a.labels.alertname)).toEqual(['Http5xxRatioHigh']);
    const chat = sink.requests.filter((r) => r.path === '/chat');
    expect(JSON.stringify(chat.map((r) => r.body))).toContain('LogShippingFailing');
    expect(JSON.stringify(chat.map((r) => r.body))).not.toContain('HttpLatencyP95High');

    const latency = (await alerts()).find((a) => a.labels.alertname === 'HttpLatencyP95High');
    expect(latency.status).toMatchObject({ state: 'suppressed', inhibitedBy: [expect.any(String)] });
    const otherService = (await alerts()).find((a) => a.labels.alertname === 'LogShippingFailing');
    expect(otherService.status.state).toBe('active');
  });

  it('sends the Watchdog to the dead man’s switch alone, even while a critical alert of its service fires', async () => {
    const now = new Date().toISOString();
    const response = await fetch(`${apiUrl}/api/v2/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([
        { labels: { alertname: 'Watchdog', severity: 'none', service: 'monitoring' }, startsAt: now },
        {
          labels: {
            alertname: 'PrometheusRuleEvaluationFailures',
            severity: 'critical',
            service: 'monitoring',
          },
          startsAt: now,
        },
      ]),
    });
    expect(response.status).toBe(200);
    const watchdog = await waitFor(
      async () => sink.requests.filter((r) => r.path === '/watchdog'),
      (requests) => requests.length > 0,
      20_000,
      200,
    );
    expect(watchdog[0].body).toMatchObject({
      receiver: 'watchdog',
      status: 'firing',
      alerts: [{ labels: { alertname: 'Watchdog', severity: 'none', service: 'monitoring' } }],
    });
    const state = (await alerts()).find((a) => a.labels.alertname === 'Watchdog');
    expect(state.status.state).toBe('active');
    expect(state.receivers.map((r: any) => r.name)).toEqual(['watchdog']);
    await waitFor(
      async () => sink.requests.filter((r) => r.path === '/pager'),
      (pages) => pages.some((r) => JSON.stringify(r.body).includes('PrometheusRuleEvaluationFailures')),
      20_000,
      200,
    );
    const elsewhere = sink.requests.filter((r) => r.path !== '/watchdog');
    expect(JSON.stringify(elsewhere.map((r) => r.body))).not.toContain('"Watchdog"');
  });
});
