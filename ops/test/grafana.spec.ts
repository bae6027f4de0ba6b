import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { TRACE_ID_EXEMPLAR_LABEL } from '../../libs/observability/src/metrics/trace-exemplar';
import { dataStreamsSearchedBy } from '../../test/support/fake-elasticsearch';
import { REPO_ROOT } from '../../tooling/repo-root';
import { deployedLogStreams } from './deployed-log-streams';

const GRAFANA = path.resolve(__dirname, '../grafana');
const SLO_SPEC = path.resolve(__dirname, '../slo/slos.yml');
const DATASOURCES_FILE = path.join(GRAFANA, 'provisioning/datasources/datasources.yml');
const dashboards = readdirSync(path.join(GRAFANA, 'dashboards')).map((file) => ({
  file,
  json: JSON.parse(readFileSync(path.join(GRAFANA, 'dashboards', file), 'utf8')),
}));
const datasourceList: any[] = parse(readFileSync(DATASOURCES_FILE, 'utf8')).datasources;
const datasource = (uid: string) => datasourceList.find((d) => d.uid === uid);

/**
 * The latency histograms of the API and worker (`makeHistogramProvider`, HTTP's own), whose samples carry
 * their trace id as an exemplar.
 */
const TRACED_HISTOGRAMS = [
  'http_request_duration_seconds',
  'workflow_activity_duration_seconds',
  'order_processing_seconds',
  'db_query_duration_seconds',
  'shipping_arrangement_seconds',
  'webhook_delivery_latency_seconds',
  'webhook_delivery_request_duration_seconds',
];

describe('Grafana provisioning', () => {
  it('provisions Prometheus (exemplars linked to Jaeger), Jaeger and Elasticsearch', () => {
    expect(datasourceList.map((d) => d.uid).sort()).toEqual(['elasticsearch', 'jaeger', 'prometheus']);
    expect(datasource('prometheus')).toMatchObject({ type: 'prometheus', isDefault: true });
    expect(datasource('prometheus').jsonData.exemplarTraceIdDestinations).toEqual([
      { name: 'trace_id', datasourceUid: 'jaeger' },
    ]);
    expect(datasource('jaeger').type).toBe('jaeger');
    expect(datasource('elasticsearch')).toMatchObject({
      type: 'elasticsearch',
      jsonData: { timeField: '@timestamp', logMessageField: 'message', logLevelField: 'log.level' },
    });
  });

  describe('the Elasticsearch datasource reads the log lines every deployed process ships', () => {
    const processes = deployedLogStreams();
    const index: string = datasource('elasticsearch').jsonData.index;
    const every = processes.flatMap((p) => [p.logs, p.audit]);

    it('covers the API, the worker and the jobs, in compose and Kubernetes', () => {
      expect(new Set(processes.map((p) => p.service))).toEqual(
        new Set(['orders-api', 'orders-worker', 'orders-jobs']),
      );
    });

    it.each(processes.map((p) => [p.where, p.service, p.logs]))(
      '%s (%s): its lines, in data stream %s, are searched',
      (_where, _service, logs) => {
        expect(dataStreamsSearchedBy(index, every)).toContain(logs);
      },
    );

    it('searches the lines only, not the audit events', () => {
      expect(dataStreamsSearchedBy(index, every).sort()).toEqual(
        [...new Set(processes.map((p) => p.logs))].sort(),
      );
    });
  });

  it("links a span to its trace's log lines: the Elasticsearch datasource, filtered on trace.id, around the span", () => {
    const link = datasource('jaeger').jsonData.tracesToLogsV2;
    expect(link).toMatchObject({ datasourceUid: 'elasticsearch', customQuery: true });
    // Grafana expands `$NAME` and `${NAME}` from its environment in provisioned values; `$$` is a `$`.
    expect(link.query).toBe('trace.id:"$${__span.traceId}"');
    expect(link).toMatchObject({ spanStartTimeShift: '-1h', spanEndTimeShift: '1h' });
    const ecs = JSON.parse(
      readFileSync(path.join(REPO_ROOT, 'ops/elasticsearch/component-template.ecs.json'), 'utf8'),
    );
    expect(ecs.template.mappings.properties['trace.id'].type).toBe('keyword');
    // And back: a line's trace.id opens the trace in Jaeger.
    expect(datasource('elasticsearch').jsonData.dataLinks).toEqual([
      { field: 'trace.id', datasourceUid: 'jaeger', url: '$${__value.raw}' },
    ]);
  });

  it("escapes every Grafana variable of the datasources from provisioning's environment expansion", () => {
    // `${__span.traceId}` unescaped would be replaced by the (unset) environment variable: an empty string.
    expect(readFileSync(DATASOURCES_FILE, 'utf8').match(/(?<!\$)\$\{/g)).toBeNull();
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

  describe('links every latency panel to traces through exemplars', () => {
    /** Every query over a histogram's buckets (a quantile or a heatmap), with the histogram it reads. */
    const latencyQueries = dashboards.flatMap(({ file, json }) =>
      json.panels.flatMap((panel: any) =>
        panel.targets.flatMap((target: any) =>
          [...(target.expr as string).matchAll(/\b(\w+)_bucket\b/g)].map(([, histogram]) => ({
            query: `${file} › ${panel.title} › ${target.refId}`,
            histogram,
            exemplar: target.exemplar,
          })),
        ),
      ),
    );

    it('asks for exemplars in every query over a _bucket series', () => {
      expect(latencyQueries.length).toBeGreaterThan(0);
      expect(latencyQueries.filter((q) => q.exemplar !== true).map((q) => q.query)).toEqual([]);
    });

    it('has a latency panel for every histogram the services record with exemplars', () => {
      const shown = new Set(latencyQueries.map((q) => q.histogram));
      expect(TRACED_HISTOGRAMS.filter((name) => !shown.has(name))).toEqual([]);
    });

    it("opens an exemplar's trace_id label in the Jaeger datasource", () => {
      const destinations = datasource('prometheus').jsonData.exemplarTraceIdDestinations;
      expect(destinations).toEqual([{ name: TRACE_ID_EXEMPLAR_LABEL, datasourceUid: 'jaeger' }]);
      expect(datasource(destinations[0].datasourceUid).type).toBe('jaeger');
    });
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
