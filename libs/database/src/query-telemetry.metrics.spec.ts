import { getMetricToken } from '@app/observability';
import { context, trace, TraceFlags } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { Histogram, register, Registry } from 'prom-client';
import type { AfterQueryEvent, BeforeQueryEvent, DataSource, QueryRunner } from 'typeorm';
import { databaseMetricProviders } from './database-metrics';
import { DB_METRICS } from './database-metric-names';
import { MAX_TIMED_STATEMENTS, QueryTelemetrySubscriber } from './query-telemetry';
import { statementLabels } from './sql-statement-labels';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const STATEMENTS = [
  'SELECT "p"."sku" FROM "products" "p" WHERE "p"."sku" = $1',
  'INSERT INTO orders (id) VALUES ($1) ON CONFLICT DO NOTHING RETURNING id',
  'UPDATE "products" SET "stock" = stock - $1 WHERE sku = $2',
  'select * from public."products" where 1=1', // another text, the same labels as the first
  'START TRANSACTION',
  'COMMIT',
];

// The process's registry in the OpenMetrics format, as the observability module sets it: the duration
// histogram keeps exemplars.
const processRegistry = register as unknown as { setContentType(type: string): void };
beforeAll(() => processRegistry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE));
beforeEach(() => register.clear());
afterAll(() => {
  register.clear();
  processRegistry.setContentType(Registry.PROMETHEUS_CONTENT_TYPE);
});

/**
 * A subscriber timing into the duration histogram its module provides, with metrics on (tracing is off: no
 * tracing was started); `run` sends a statement through it.
 */
function subscriber() {
  const provider = databaseMetricProviders.find(
    (p) => 'provide' in p && p.provide === getMetricToken(DB_METRICS.queryDuration),
  ) as { useFactory: () => Histogram<'operation' | 'table' | 'outcome'> };
  const duration = provider.useFactory();
  const dataSource = { subscribers: [] as unknown[] } as unknown as DataSource;
  const metrics = new QueryTelemetrySubscriber(dataSource, duration, { thresholdMs: 10 }, true);
  metrics.onModuleInit();
  const run = (queryRunner: QueryRunner, query: string, success = true) => {
    metrics.beforeQuery({ queryRunner, query } as BeforeQueryEvent);
    metrics.afterQuery({ queryRunner, query, success } as AfterQueryEvent);
  };
  return { registry: register, dataSource, duration, metrics, run };
}

/** `name_count{labels} n` of every series, in exposition order. */
async function counts(registry: Registry): Promise<string[]> {
  return (await registry.metrics()).match(/^db_query_duration_seconds_count\{.*$/gm) ?? [];
}

describe('QueryTelemetrySubscriber, metrics: statement durations, by operation, table and outcome', () => {
  it('joins the data source, and counts each statement in the series of its labels and outcome', async () => {
    const { registry, dataSource, run } = subscriber();
    expect(dataSource.subscribers).toHaveLength(1);
    const runners = [{}, {}, {}] as QueryRunner[];
    const expected = new Histogram({
      name: DB_METRICS.queryDuration,
      help: 'test',
      labelNames: [...DB_METRICS.queryLabels],
      registers: [],
    });
    for (let i = 0; i < 60; i++) {
      const sql = STATEMENTS[i % STATEMENTS.length];
      const success = i % 7 !== 3;
      run(runners[i % 3], sql, success);
      expected.observe({ ...statementLabels(sql), outcome: success ? 'ok' : 'error' }, 0);
    }
    const expectedCounts = (await expected.get()).values
      .filter((sample) => sample.metricName === `${DB_METRICS.queryDuration}_count`)
      .map(({ labels, value }) => `${labels.operation}/${labels.table}/${labels.outcome} ${value}`)
      .sort();
    const actual = (await counts(registry))
      .map((line) => /operation="(\w+)",table="(\w+)",outcome="(\w+)"\} (\d+)$/.exec(line)!.slice(1))
      .map(([operation, table, outcome, value]) => `${operation}/${table}/${outcome} ${value}`)
      .sort();
    expect(actual).toEqual(expectedCounts);
    expect(actual).toContain('select/products/ok 17');
    const text = await registry.metrics();
    const sum =
      /^db_query_duration_seconds_sum\{operation="select",table="products",outcome="ok"\} (\S+)$/m.exec(text);
    expect(Number(sum?.[1])).toBeGreaterThanOrEqual(0);
    expect(Number(sum?.[1])).toBeLessThan(1);
  });

  it('measures a statement from before to after its query event, on its query runner', async () => {
    const { registry, metrics } = subscriber();
    const queryRunner = {} as QueryRunner;
    const query = STATEMENTS[0];
    metrics.beforeQuery({ queryRunner, query } as BeforeQueryEvent);
    await new Promise((resolve) => setTimeout(resolve, 20));
    metrics.afterQuery({ queryRunner, query, success: true } as AfterQueryEvent);
    // Once: an after-query event without a before-query one is not measured.
    metrics.afterQuery({ queryRunner, query, success: true } as AfterQueryEvent);
    const text = await registry.metrics();
    expect(text).toMatch(
      /^db_query_duration_seconds_count\{operation="select",table="products",outcome="ok"\} 1$/m,
    );
    expect(text).toMatch(
      /^db_query_duration_seconds_bucket\{le="0.01",operation="select",table="products",outcome="ok"\} 0$/m,
    );
    const sum =
      /^db_query_duration_seconds_sum\{operation="select",table="products",outcome="ok"\} (\S+)$/m.exec(text);
    expect(Number(sum?.[1])).toBeGreaterThanOrEqual(0.015);
    expect(Number(sum?.[1])).toBeLessThan(5);
  });

  it(`remembers ${MAX_TIMED_STATEMENTS} statement texts at most, and keeps counting past them`, async () => {
    const { registry, metrics, run } = subscriber();
    const queryRunner = {} as QueryRunner;
    const texts = Array.from(
      { length: MAX_TIMED_STATEMENTS + 50 },
      (_, i) => `SELECT * FROM "products" WHERE id = ${i}`,
    );
    for (const sql of [...texts, ...texts.slice(0, 100)]) run(queryRunner, sql);
    expect((metrics as unknown as { statements: Map<string, unknown> }).statements.size).toBeLessThanOrEqual(
      MAX_TIMED_STATEMENTS,
    );
    expect(await counts(registry)).toEqual([
      `db_query_duration_seconds_count{operation="select",table="products",outcome="ok"} ${texts.length + 100}`,
    ]);
  });

  it('links a statement run inside a sampled trace to it, through an exemplar', async () => {
    const contextManager = new AsyncLocalStorageContextManager().enable();
    const registered = context.setGlobalContextManager(contextManager);
    try {
      const { registry, run } = subscriber();
      const queryRunner = {} as QueryRunner;
      const inTrace = (sampled: boolean) =>
        trace.setSpanContext(context.active(), {
          traceId: TRACE_ID,
          spanId: '00f067aa0ba902b7',
          traceFlags: sampled ? TraceFlags.SAMPLED : TraceFlags.NONE,
          isRemote: true,
        });
      run(queryRunner, STATEMENTS[1]);
      context.with(inTrace(false), () => run(queryRunner, STATEMENTS[1]));
      expect(await registry.metrics()).not.toContain('trace_id');
      context.with(inTrace(true), () => run(queryRunner, STATEMENTS[1]));
      const text = await registry.metrics();
      expect(text).toMatch(
        new RegExp(
          `^db_query_duration_seconds_bucket\\{le="[^"]+",operation="insert",table="orders",outcome="ok"\\} 3 # \\{trace_id="${TRACE_ID}"\\}`,
          'm',
        ),
      );
    } finally {
      if (registered) context.disable();
      contextManager.disable();
    }
  });
});
