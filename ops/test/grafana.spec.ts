import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

const GRAFANA = path.resolve(__dirname, '../grafana');
const SLO_SPEC = path.resolve(__dirname, '../slo/slos.yml');
const dashboards = readdirSync(path.join(GRAFANA, 'dashboards')).map((file) => ({
  file,
  json: JSON.parse(readFileSync(path.join(GRAFANA, 'dashboards', file), 'utf8')),
}));

describe('Grafana provisioning', () => {
  it('provisions Prometheus (exemplars linked to Jaeger), Jaeger and Elasticsearch', () => {
    const { datasources } = parse(
      readFileSync(path.join(GRAFANA, 'provisioning/datasources/datasources.yml'), 'utf8'),
    );
    const byUid = Object.fromEntries(datasources.map((d: any) => [d.uid, d]));
    expect(Object.keys(byUid).sort()).toEqual(['elasticsearch', 'jaeger', 'prometheus']);
    expect(byUid.prometheus).toMatchObject({ type: 'prometheus', isDefault: true });
    expect(byUid.prometheus.jsonData.exemplarTraceIdDestinations).toEqual([
      { name: 'trace_id', datasourceUid: 'jaeger' },
    ]);
    expect(byUid.jaeger.type).toBe('jaeger');
    expect(byUid.elasticsearch).toMatchObject({
      type: 'elasticsearch',
      jsonData: { timeField: '@timestamp', index: 'orders-logs-*' },
    });
  });

  it('has the golden signals, business, database, workflows, runtime, webhook delivery and SLO dashboards with unique uids', () => {
    expect(dashboards.map((d) => d.json.uid).sort()).toEqual([
      'orders-business',
      'orders-database',
      'orders-http',
      'orders-runtime',
      'orders-slo',
      'orders-webhooks',
      'orders-workflows',
    ]);
  });

  it.each(dashboards.map((d) => [d.file, d.json]))(
    '%s: template variables, Prometheus panels, queries using them',
    (_file, dashboard: any) => {
      const variables = dashboard.templating.list.map((v: any) => v.name);
      // Service dashboards filter by job; an SLO spans every job that serves it.
      if (dashboard.uid !== 'orders-slo') expect(variables).toContain('job');
      const ids = new Set<number>();
      for (const panel of dashboard.panels) {
        expect(ids.has(panel.id)).toBe(false);
        ids.add(panel.id);
        expect(panel.datasource).toEqual({ type: 'prometheus', uid: 'prometheus' });
        expect(panel.targets.length).toBeGreaterThan(0);
        for (const target of panel.targets) {
          for (const used of target.expr.match(/\$(\w+)/g) ?? []) {
            if (used !== '$__rate_interval') expect(variables).toContain(used.slice(1));
          }
        }
      }
    },
  );

  it('links the HTTP latency panel to traces through exemplars', () => {
    const http = dashboards.find((d) => d.json.uid === 'orders-http')!.json;
    const latency = http.panels.find((p: any) => p.title.startsWith('Latency'));
    expect(latency.targets.every((t: any) => t.exemplar === true)).toBe(true);
  });

  it('shows, for every SLO of ops/slo/slos.yml, its SLI, its 30-day budget left and its burn rate per window', () => {
    const { service, slos } = parse(readFileSync(SLO_SPEC, 'utf8'));
    const panels = dashboards.find((d) => d.json.uid === 'orders-slo')!.json.panels;
    for (const slo of slos) {
      const exprs = panels
        .flatMap((panel: any) => panel.targets.map((t: any) => t.expr as string))
        .filter((expr: string) => expr.includes(`sloth_id="${service}-${slo.name}"`));
      const shown = {
        sli: exprs.some((e: string) => e.startsWith('1 - slo:sli_error:ratio_rate30d{')),
        objective: exprs.some((e: string) => e.startsWith('slo:objective:ratio{')),
        budgetLeft: exprs.some((e: string) => e.startsWith('slo:period_error_budget_remaining:ratio{')),
        burnRates: exprs.some(
          (e: string) =>
            e.includes('slo:sli_error:ratio_rate(5m|30m|1h|2h|6h|1d|3d)') &&
            e.includes('slo:error_budget:ratio'),
        ),
      };
      expect({ slo: slo.name, ...shown }).toEqual({
        slo: slo.name,
        sli: true,
        objective: true,
        budgetLeft: true,
        burnRates: true,
      });
    }
  });
});
