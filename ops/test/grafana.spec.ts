import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

const GRAFANA = path.resolve(__dirname, '../grafana');
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

  it('has the golden signals, business, database, workflows, runtime and webhook delivery dashboards with unique uids', () => {
    expect(dashboards.map((d) => d.json.uid).sort()).toEqual([
      'orders-business',
      'orders-database',
      'orders-http',
      'orders-runtime',
      'orders-webhooks',
      'orders-workflows',
    ]);
  });

  it.each(dashboards.map((d) => [d.file, d.json]))(
    '%s: template variables, Prometheus panels, queries using them',
    (_file, dashboard: any) => {
      const variables = dashboard.templating.list.map((v: any) => v.name);
      expect(variables).toContain('job');
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
});
