import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { logDatasets } from '@app/observability/logging/log-names';
import { startFakeElasticsearch, type FakeElasticsearch } from '../../../test/support/fake-elasticsearch';
import { startJaeger, type Jaeger } from '../../../test/support/jaeger';
import { describeWithServers } from '../../../test/support/real-servers';
import { startApiProcess, type ApiProcess } from '../../../tooling/app-processes';
import { createTestDatabase, type TestDatabase } from '../../../tooling/database';
import { REPO_ROOT } from '../../../tooling/repo-root';
import { waitFor } from '../../../tooling/wait-for';
import { orderBody } from './support/api-harness';

const readYaml = (file: string) => parse(readFileSync(path.join(REPO_ROOT, file), 'utf8'), { merge: true });

/** Go's `os.ExpandEnv`: `$NAME`, `${NAME}` and the one-character special variables, unset ones empty. */
function expandEnv(text: string, env: Record<string, string>): string {
  const special = /^[*#$@!?0-9-]$/;
  let out = '';
  for (let i = 0; i < text.length; i++) {
    if (text[i] !== '$' || i + 1 === text.length) {
      out += text[i];
      continue;
    }
    const rest = text.slice(i + 1);
    let name: string;
    let width: number;
    if (rest[0] === '{') {
      const close = rest.indexOf('}');
      if (rest.length > 2 && special.test(rest[1]) && rest[2] === '}') [name, width] = [rest[1], 3];
      else if (close < 0)
        [name, width] = ['', 1]; // bad syntax: `${` is dropped
      else [name, width] = [rest.slice(1, close), close + 1]; // `${}` drops too (empty name)
    } else if (special.test(rest[0])) [name, width] = [rest[0], 1];
    else {
      name = /^[A-Za-z0-9_]*/.exec(rest)![0];
      width = name.length;
    }
    if (name !== '') out += env[name] ?? '';
    else if (width === 0) out += '$'; // a `$` followed by no name stays
    i += width;
  }
  return out;
}

/**
 * A provisioning file's values as Grafana loads them: every string split on `$$` (a literal `$`), each
 * part expanded from Grafana's environment like `os.ExpandEnv`, joined with `$`.
 */
function provisioned(value: unknown, env: Record<string, string>): any {
  if (typeof value === 'string')
    return value
      .split('$$')
      .map((part) => expandEnv(part, env))
      .join('$');
  if (Array.isArray(value)) return value.map((item) => provisioned(item, env));
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, provisioned(v, env)]));
  return value;
}

/** Grafana's interval syntax (`-1h`, `30m`, `500ms`) in milliseconds. */
function intervalToMs(interval: string | undefined): number {
  if (!interval) return 0;
  const match = /^(-?\d+(?:\.\d+)?)(ms|s|m|h|d|w)$/.exec(interval);
  if (!match) throw new Error(`unsupported interval ${interval}`);
  const unit = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[match[2]]!;
  return Number(match[1]) * unit;
}

/** A span as Grafana's Jaeger datasource reads it from the query API: microseconds since the epoch. */
interface RawSpan {
  traceID: string;
  spanID: string;
  operationName: string;
  startTime: number;
  duration: number;
  references?: Array<{ refType: string }>;
  tags?: Array<{ key: string; value: unknown }>;
}

/**
 * What Grafana does for "Logs for this span" with the Jaeger datasource's `tracesToLogsV2` pointing at an
 * Elasticsearch datasource and a custom query: the query with the span's variables put in, over the span's
 * time range moved by the configured shifts (getTimeRangeFromSpan), sent by the Elasticsearch datasource as
 * a logs query (an `_msearch` of the datasource's index, its time field filtered, newest lines first).
 */
function grafanaTraceToLogsRequest(span: RawSpan, jaegerJsonData: any, elasticsearchJsonData: any) {
  const link = jaegerJsonData.tracesToLogsV2;
  expect(link.customQuery).toBe(true);
  const query = String(link.query).replace(/\$\{__(span|trace)\.(traceId|spanId)\}/g, (_match, _scope, id) =>
    id === 'traceId' ? span.traceID : span.spanID,
  );
  expect(query).not.toContain('$'); // every variable it uses was put in
  const from = Math.floor(span.startTime / 1000 + intervalToMs(link.spanStartTimeShift));
  let to = Math.floor((span.startTime + span.duration) / 1000 + intervalToMs(link.spanEndTimeShift));
  if (to === from) to++;
  const timeField: string = elasticsearchJsonData.timeField;
  const header = {
    search_type: 'query_then_fetch',
    ignore_unavailable: true,
    index: elasticsearchJsonData.index,
  };
  const body = {
    size: 500,
    query: {
      bool: {
        filter: [
          { range: { [timeField]: { gte: from, lte: to, format: 'epoch_millis' } } },
          { query_string: { analyze_wildcard: true, query } },
        ],
      },
    },
    sort: [{ [timeField]: { order: 'desc', unmapped_type: 'boolean' } }, { _doc: { order: 'desc' } }],
    docvalue_fields: [timeField],
    script_fields: {},
    highlight: {
      fields: { '*': {} },
      pre_tags: ['@HIGHLIGHT@'],
      post_tags: ['@/HIGHLIGHT@'],
      fragment_size: 2147483647,
    },
    aggs: {
      '1': {
        date_histogram: {
          field: timeField,
          fixed_interval: '1m',
          min_doc_count: 0,
          extended_bounds: { min: from, max: to },
          format: 'epoch_millis',
        },
      },
    },
  };
  return { header, body, query };
}

async function msearch(url: string, header: object, body: object) {
  const response = await fetch(`${url}/_msearch?max_concurrent_shard_requests=5`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-ndjson' },
    body: `${JSON.stringify(header)}\n${JSON.stringify(body)}\n`,
  });
  expect(response.status).toBe(200);
  const { responses } = (await response.json()) as { responses: any[] };
  expect(responses).toHaveLength(1);
  return responses[0];
}

/**
 * The trace → logs jump of the provisioned Grafana, end to end but for Grafana itself: the real API (child
 * process) ships its lines to an Elasticsearch test double (test/support/fake-elasticsearch.ts, which
 * resolves index patterns and evaluates the query as Elasticsearch does) and its spans to a real Jaeger;
 * the link's request is built from ops/grafana's provisioning as Grafana builds it.
 */
describeWithServers(
  ['jaeger'],
  "trace → logs: the Grafana link's query finds one request's log lines (real Jaeger, Elasticsearch test double)",
  () => {
    const datasources = provisioned(
      readYaml('ops/grafana/provisioning/datasources/datasources.yml').datasources,
      readYaml('docker-compose.yml').services.grafana.environment,
    ) as any[];
    const jaeger = datasources.find((d) => d.type === 'jaeger');
    const elasticsearchDatasource = datasources.find(
      (d) => d.uid === jaeger.jsonData.tracesToLogsV2.datasourceUid,
    );
    // The API as compose deploys it: its service name, sampler and data stream prefix, and the streams the
    // log shipping names from them.
    const deployed = readYaml('docker-compose.yml').services.api.environment;
    const streams = logDatasets(deployed.OTEL_SERVICE_NAME, deployed.ELASTICSEARCH_INDEX_PREFIX);
    const logsStream = streams.app.index;

    let db: TestDatabase;
    let elasticsearch: FakeElasticsearch;
    let traces: Jaeger;
    let api: ApiProcess;

    beforeAll(async () => {
      traces = await startJaeger();
      elasticsearch = await startFakeElasticsearch();
      db = await createTestDatabase();
      api = await startApiProcess({
        DATABASE_URL: db.url,
        ELASTICSEARCH_URL: elasticsearch.url,
        ELASTICSEARCH_INDEX_PREFIX: deployed.ELASTICSEARCH_INDEX_PREFIX,
        OTEL_SERVICE_NAME: deployed.OTEL_SERVICE_NAME,
        OTEL_TRACES_SAMPLER: deployed.OTEL_TRACES_SAMPLER,
        OTEL_EXPORTER_OTLP_ENDPOINT: traces.otlpEndpoint,
        OTEL_BSP_SCHEDULE_DELAY: '100',
      });
    }, 120_000);
    afterAll(async () => {
      await api?.stop();
      await traces?.stop();
      await elasticsearch?.close();
      await db?.drop();
    });

    /** Places an order with its own request id; resolves once its saga completed and its lines are shipped. */
    async function placeOrder(requestId: string) {
      const response = await fetch(`${api.baseUrl}/orders`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-request-id': requestId,
          ...(await api.tokens.headers(`c-${requestId}`)),
        },
        body: JSON.stringify(orderBody()),
      });
      expect(response.status).toBe(202);
      const { id } = (await response.json()) as { id: string };
      await waitFor(
        async () => elasticsearch.documents,
        (docs) =>
          docs.some((d) => d.doc['event.action'] === 'order-completed' && d.doc['order.id'] === id) &&
          docs.some((d) => d.doc.message === 'request completed' && d.doc['http.request.id'] === requestId),
        20_000,
        100,
      );
      return id;
    }

    it('takes the trace of one order from Jaeger and finds that request’s lines, and none of another request', async () => {
      const [first, second] = ['trace-to-logs-first', 'trace-to-logs-second'];
      const firstOrder = await placeOrder(first);
      const secondOrder = await placeOrder(second);

      // Where an operator starts: the order's trace in Jaeger, found by the order id its saga spans carry.
      const [traceId] = await waitFor(
        () => traces.traceIds(deployed.OTEL_SERVICE_NAME, { tags: { 'order.id': firstOrder } }),
        (ids) => ids.length === 1,
        20_000,
        200,
      );
      const root = await waitFor(
        async () => {
          const response = await fetch(`${traces.queryUrl}/api/traces/${traceId}`);
          const { data } = (await response.json()) as { data: Array<{ spans: RawSpan[] }> | null };
          return (data?.[0]?.spans ?? []).find((s) => !s.references?.some((r) => r.refType === 'CHILD_OF'));
        },
        (span) => span?.tags?.some((t) => t.key === 'http.route' && t.value === '/orders') === true,
        20_000,
        200,
      );

      const { header, body, query } = grafanaTraceToLogsRequest(
        root!,
        jaeger.jsonData,
        elasticsearchDatasource.jsonData,
      );
      expect(query).toBe(`trace.id:"${traceId}"`);
      const ofTheTrace = elasticsearch.documents
        .filter((d) => d.index === logsStream && d.doc['trace.id'] === traceId)
        .map((d) => d.doc);
      const answer = await msearch(elasticsearch.url, header, body);
      expect(answer.status).toBe(200);
      const lines = answer.hits.hits.map((hit: any) => hit._source);

      // Every line the trace wrote (a completed order's: its access log line), and only those.
      expect(ofTheTrace.length).toBeGreaterThan(0);
      expect(lines).toHaveLength(ofTheTrace.length);
      expect(lines).toEqual(expect.arrayContaining(ofTheTrace));
      expect(new Set(lines.map((line: any) => line['trace.id']))).toEqual(new Set([traceId]));
      expect(lines).toContainEqual(
        expect.objectContaining({ message: 'request completed', 'http.request.id': first }),
      );
      // Read from the logs stream's backing index: no audit event is among them.
      expect([...new Set(answer.hits.hits.map((hit: any) => hit._index))]).toEqual([
        expect.stringMatching(new RegExp(`^\\.ds-${logsStream}-\\d{4}\\.\\d{2}\\.\\d{2}-\\d{6}$`)),
      ]);
      // The other request wrote lines of its own trace, none of which comes back.
      const otherLines = elasticsearch.documents.filter(
        (d) =>
          d.index === logsStream &&
          (d.doc['http.request.id'] === second || d.doc['order.id'] === secondOrder),
      );
      expect(otherLines.length).toBeGreaterThan(0);
      expect(otherLines.every((d) => d.doc['trace.id'] !== traceId)).toBe(true);
      expect(
        lines.filter((line: any) => line['http.request.id'] === second || line['order.id'] === secondOrder),
      ).toEqual([]);

      // The index pattern the datasource had before, `<prefix>-logs-*`, reaches none of these lines.
      const before = await msearch(elasticsearch.url, { ...header, index: `${logsStream}-*` }, body);
      expect(before.hits.total.value).toBe(0);
    });

    it('answers searches by Elasticsearch’s index resolution (Elasticsearch test double)', async () => {
      const count = async (expression: string, params = '') => {
        const response = await fetch(`${elasticsearch.url}/${expression}/_search?size=0${params}`);
        const body = (await response.json()) as any;
        return response.status === 200 ? body.hits.total.value : `${response.status} ${body.error.type}`;
      };
      const auditStream = streams.audit.index;
      if (!elasticsearch.documents.some((d) => d.index === auditStream))
        await placeOrder('trace-to-logs-resolution');
      const lines = elasticsearch.documents.filter((d) => d.index === logsStream).length;
      const audit = elasticsearch.documents.filter((d) => d.index === auditStream).length;
      expect(lines).toBeGreaterThan(0);
      expect(audit).toBeGreaterThan(0);
      expect(await count(logsStream)).toBe(lines); // the data stream by name
      expect(await count(`${logsStream}*`)).toBe(lines); // a wildcard matching its name
      expect(await count(`${logsStream}-*`)).toBe(0); // matches no name: none, no error
      expect(await count(`.ds-${logsStream}-*`)).toBe(lines); // its hidden backing index, by a dot pattern
      expect(await count(`*ds-${logsStream}-*`)).toBe(0); // hidden: not reached by other wildcards…
      expect(await count(`*ds-${logsStream}-*`, '&expand_wildcards=all')).toBe(lines); // …unless asked
      expect(await count(`${deployed.ELASTICSEARCH_INDEX_PREFIX}-*,-${auditStream}`)).toBe(lines);
      expect(await count('*')).toBe(lines + audit);
      expect(await count(`${logsStream}-missing`)).toBe('404 index_not_found_exception');
      expect(await count(`${logsStream}-missing`, '&ignore_unavailable=true')).toBe(0);
    });
  },
);
