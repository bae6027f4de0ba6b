import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { describeWithServers } from '../../test/support/real-servers';
import { runTool } from './promtool';

const DIR = path.resolve(__dirname, '../prometheus');
const read = (file: string) => parse(readFileSync(path.join(DIR, file), 'utf8'));

describeWithServers(['promtool'], 'Prometheus configuration (promtool 3)', () => {
  it.each(['prometheus.yml', 'prometheus.federation.yml'])('%s passes promtool check config', (file) => {
    const result = runTool('promtool', ['check', 'config', file], DIR);
    expect(result).toMatchObject({ status: 0 });
  });

  it('the Kubernetes configuration, pod discovery included, passes promtool check config as written', () => {
    const config = read('prometheus.kubernetes.yml');
    for (const job of config.scrape_configs) expect(job.kubernetes_sd_configs).toEqual([{ role: 'pod' }]);
    const result = runTool('promtool', ['check', 'config', 'prometheus.kubernetes.yml'], DIR);
    expect(result).toMatchObject({ status: 0 });
    expect(result.output).toMatch(/SUCCESS: prometheus\.kubernetes\.yml is valid/);
  });

  it('scrapes every process of the stack from the compose configuration', () => {
    const jobs = Object.fromEntries(
      read('prometheus.yml').scrape_configs.map((j: any) => [j.job_name, j.static_configs[0].targets]),
    );
    expect(jobs).toEqual({
      prometheus: ['localhost:9090'],
      'orders-api': ['api:9464'],
      'orders-worker': ['worker:9465'],
      'temporal-sdk': ['worker:9466'],
      'temporal-server': ['temporal:7234'],
      postgres: ['postgres-exporter:9187'],
      pushgateway: ['pushgateway:9091'],
      // The monitoring and trace pipeline itself (alerts on it: rules/meta.yml).
      alertmanager: ['alertmanager:9093'],
      jaeger: ['jaeger:8888'],
      'otel-collector': ['otel-collector:8888'],
    });
  });

  it('scrapes Alertmanager where Prometheus sends its alerts', () => {
    const config = read('prometheus.yml');
    const job = config.scrape_configs.find((j: any) => j.job_name === 'alertmanager');
    expect(job.static_configs[0].targets).toEqual(config.alerting.alertmanagers[0].static_configs[0].targets);
  });
});

describeWithServers(['promtool'], 'alerting and recording rules (promtool 3)', () => {
  it('both configurations load every rule file', () => {
    for (const file of ['prometheus.yml', 'prometheus.kubernetes.yml'])
      expect(read(file).rule_files).toEqual([
        'rules/recording.yml',
        'rules/alerts.yml',
        'rules/webhooks.yml',
        'rules/meta.yml',
        'rules/slo.yml',
      ]);
  });

  it.each([
    'rules/recording.yml',
    'rules/alerts.yml',
    'rules/webhooks.yml',
    'rules/meta.yml',
    'rules/slo.yml',
  ])('%s passes promtool check rules', (file) => {
    const result = runTool('promtool', ['check', 'rules', file], DIR);
    expect(result).toMatchObject({ status: 0 });
    expect(result.output).toMatch(/SUCCESS: \d+ rules found/);
  });

  it.each([
    ['rules/alerts.yml', 'tests/alerts.test.yml', 28],
    ['rules/webhooks.yml', 'tests/webhooks.test.yml', 5],
    ['rules/meta.yml', 'tests/meta.test.yml', 8],
  ])(
    'every alert of %s fires in a unit test and stays silent in another (promtool test rules %s)',
    (rules, unitTests, count) => {
      const alerts = read(rules)
        .groups.flatMap((g: any) => g.rules.map((r: any) => r.alert))
        .sort();
      const tests = read(unitTests).tests.flatMap((t: any) => t.alert_rule_test);
      const firing = new Set(tests.filter((t: any) => t.exp_alerts.length > 0).map((t: any) => t.alertname));
      const silent = new Set(
        tests.filter((t: any) => t.exp_alerts.length === 0).map((t: any) => t.alertname),
      );
      expect(alerts).toHaveLength(count);
      expect([...firing].sort()).toEqual(alerts);
      // The Watchdog is never silent: its tests show it firing at every moment.
      expect([...silent].sort()).toEqual(alerts.filter((name: string) => name !== 'Watchdog'));

      const result = runTool('promtool', ['test', 'rules', unitTests], DIR);
      expect(result.output).toContain('SUCCESS');
      expect(result).toMatchObject({ status: 0 });
    },
  );

  it.each([
    ['payment declineRate', 'PaymentFailureRateHigh'],
    ['payment outage', 'PaymentProviderUnavailable'],
    ['payment latencyMs', 'PaymentLatencyHigh'],
    ['carrier failureRate', 'ShippingFailureRateHigh'],
    ['database latencyMs', 'DatabaseQueriesSlow'],
  ])('the fault switch "%s" has a promtool test showing %s and FaultInjectionActive fire', (fault, alert) => {
    const scenario = read('tests/alerts.test.yml').tests.find((t: any) =>
      t.name.startsWith(`Fault switch ${fault} `),
    );
    expect(scenario).toBeDefined();
    const firing = scenario.alert_rule_test
      .filter((t: any) => t.exp_alerts.length > 0)
      .map((t: any) => t.alertname);
    expect(firing).toEqual(expect.arrayContaining([alert, 'FaultInjectionActive']));
    // The scenario's input is what the switch produces: the fault gauge for that switch is among it.
    expect(scenario.input_series.some((s: any) => s.series.startsWith('fault_injection_active{'))).toBe(true);
  });

  it('every alert has a severity, a service, a summary and a description', () => {
    const groups = ['rules/alerts.yml', 'rules/webhooks.yml', 'rules/meta.yml'].flatMap(
      (file) => read(file).groups,
    );
    for (const group of groups) {
      for (const rule of group.rules) {
        // Only the Watchdog has severity none: it always fires, and no page or chat route takes it.
        const severities = rule.alert === 'Watchdog' ? ['none'] : ['critical', 'warning'];
        expect({
          alert: rule.alert,
          severity: severities.includes(rule.labels.severity),
        }).toEqual({ alert: rule.alert, severity: true });
        expect(rule.labels.service).toBeTruthy();
        expect(rule.annotations.summary).toBeTruthy();
        expect(rule.annotations.description.length).toBeGreaterThan(80);
        if (rule.alert === 'Watchdog') expect(rule.for).toBeUndefined();
        else expect(rule.for).toMatch(/^\d+m$/);
      }
    }
  });

  it('has a Watchdog that always fires and says it is a dead man’s switch', () => {
    const watchdog = read('rules/meta.yml')
      .groups.flatMap((g: any) => g.rules)
      .find((r: any) => r.alert === 'Watchdog');
    expect(watchdog.expr).toBe('vector(1)');
    expect(watchdog.labels.severity).toBe('none');
    expect(watchdog.annotations.description).toMatch(/dead man's switch/);
  });

  it('alerts on the monitoring pipeline’s targets in MonitoringTargetDown, on the others in TargetDown', () => {
    const rules = ['rules/alerts.yml', 'rules/meta.yml'].flatMap((file) =>
      read(file).groups.flatMap((g: any) => g.rules),
    );
    const expr = (alert: string) => rules.find((r: any) => r.alert === alert).expr.trim();
    const pipeline = ['alertmanager', 'jaeger', 'otel-collector'];
    expect(expr('MonitoringTargetDown')).toBe(`up{job=~"${pipeline.join('|')}"} == 0`);
    expect(expr('TargetDown')).toBe(`up{job!~"${pipeline.join('|')}"} == 0`);
    for (const file of ['prometheus.yml', 'prometheus.kubernetes.yml'])
      expect({ file, jobs: read(file).scrape_configs.map((j: any) => j.job_name) }).toEqual({
        file,
        jobs: expect.arrayContaining(pipeline),
      });
  });
});
