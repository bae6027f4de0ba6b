import { getMetricToken } from '@app/observability';
import { context, trace, TraceFlags, type Context, type Span } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { register, type Histogram } from 'prom-client';
import type { AfterQueryEvent, BeforeQueryEvent, DataSource, QueryRunner } from 'typeorm';
import { useInMemoryTracing } from '../../../test/support/in-memory-tracing';
import { databaseMetricProviders } from './database-metrics';
import { DB_METRICS } from './database-metric-names';
import { QUERY_SPAN_TRACER, QueryTelemetrySubscriber } from './query-telemetry';

// Whether tracing runs in the process, as `activeTracing()` tells the subscriber when the module starts.
let mockTracing: { enabled: boolean } | undefined;
jest.mock('@app/observability/tracing', () => ({ activeTracing: () => mockTracing }));

const SELECT = 'SELECT "p"."sku" FROM "products" "p" WHERE "p"."sku" = $1';
const UPDATE = 'UPDATE "products" SET "stock" = stock - $1 WHERE sku = $2';
const INSERT = 'INSERT INTO orders (id) VALUES ($1)';

const spanMs = (span: ReadableSpan) => span.duration[0] * 1e3 + span.duration[1] / 1e6;

/**
 * One subscriber, with metrics and tracing as the process has them, and statements sent through it by
 * TypeORM's before- and after-query events, on a monotonic clock that moves only when told to: a statement
 * "takes" exactly the milliseconds it is given.
 */
describe('QueryTelemetrySubscriber: one subscriber times each statement once, for metrics and spans', () => {
  const exporter = useInMemoryTracing();
  let clock: jest.SpyInstance<number, []>;
  let now = 1_000;

  afterAll(() => register.clear());
  beforeEach(() => {
    register.clear();
    mockTracing = { enabled: true };
    now = 1_000;
    clock = jest.spyOn(performance, 'now').mockImplementation(() => now);
  });
  afterEach(() => jest.restoreAllMocks());

  const sqlSpans = () =>
    exporter.getFinishedSpans().filter((span) => span.instrumentationScope.name === QUERY_SPAN_TRACER);

  /** A subscriber started as the module starts it: metrics as given, tracing as `mockTracing` says. */
  function subscriber(metricsEnabled: boolean, thresholdMs = 10) {
    const provider = databaseMetricProviders.find(
      (p) => 'provide' in p && p.provide === getMetricToken(DB_METRICS.queryDuration),
    ) as { useFactory: () => Histogram<'operation' | 'table' | 'outcome'> };
    const duration = provider.useFactory();
    const dataSource = {
      subscribers: [] as unknown[],
      options: { type: 'postgres', url: 'postgres://app@127.0.0.1:5432/shop' },
    } as unknown as DataSource;
    const telemetry = new QueryTelemetrySubscriber(dataSource, duration, { thresholdMs }, metricsEnabled);
    telemetry.onModuleInit();
    /** Seconds summed and samples counted for `sql`'s labels, per outcome (`ok` unless told). */
    const observed = async (operation: string, outcome = 'ok') => {
      const values = (await duration.get()).values.filter(
        (v) => v.labels.operation === operation && v.labels.outcome === outcome,
      );
      const valueOf = (suffix: string) =>
        values.find((v) => v.metricName === `${DB_METRICS.queryDuration}_${suffix}`)?.value ?? 0;
      return { sum: valueOf('sum'), count: valueOf('count') };
    };
    return { telemetry, dataSource, observed };
  }

  /** Sends `sql` on `queryRunner` in `ctx`; the returned function ends it, `ms` later on the clock. */
  function send(telemetry: QueryTelemetrySubscriber, queryRunner: QueryRunner, sql: string, ctx: Context) {
    context.with(ctx, () => telemetry.beforeQuery({ queryRunner, query: sql } as BeforeQueryEvent));
    return (ms: number, success = true) => {
      now += ms;
      const error = success ? undefined : Object.assign(new Error('boom'), { code: '40001' });
      context.with(ctx, () =>
        telemetry.afterQuery({ queryRunner, query: sql, success, error } as AfterQueryEvent),
      );
    };
  }

  /** Clock reads while `work` runs. */
  function clockReads(work: () => void): number {
    const before = clock.mock.calls.length;
    work();
    return clock.mock.calls.length - before;
  }

  const recording = (): { parent: Span; ctx: Context } => {
    const parent = trace.getTracer('test').startSpan('parent');
    return { parent, ctx: trace.setSpan(context.active(), parent) };
  };
  const unsampled = () =>
    trace.setSpan(
      context.active(),
      trace.wrapSpanContext({
        traceId: '0af7651916cd43dd8448eb211c80319c',
        spanId: 'b7ad6b7169203331',
        traceFlags: TraceFlags.NONE,
      }),
    );

  it('with metrics and tracing on, joins once and reads the clock once when a statement is sent and once when it is done', async () => {
    const { telemetry, dataSource, observed } = subscriber(true, 10);
    expect(dataSource.subscribers).toEqual([telemetry]);
    const queryRunner = {} as QueryRunner;
    const { ctx } = recording();
    let end!: (ms: number) => void;
    // Fast, in a recorded trace: no span.
    expect(clockReads(() => (end = send(telemetry, queryRunner, SELECT, ctx)))).toBe(1);
    expect(clockReads(() => end(3))).toBe(1);
    // In an unsampled trace: timed all the same.
    expect(clockReads(() => (end = send(telemetry, queryRunner, SELECT, unsampled())))).toBe(1);
    expect(clockReads(() => end(4))).toBe(1);
    expect(sqlSpans()).toEqual([]);
    expect(await observed('select')).toEqual({ sum: 0.007, count: 2 });
  });

  it('with metrics and tracing on, gives the histogram and the span the same duration', async () => {
    const { telemetry, observed } = subscriber(true, 10);
    const { parent, ctx } = recording();
    send(telemetry, {} as QueryRunner, UPDATE, ctx)(42.5);
    send(telemetry, {} as QueryRunner, INSERT, ctx)(1.25, false);
    parent.end();

    const [update, insert] = sqlSpans();
    expect(sqlSpans()).toHaveLength(2);
    expect(update.name).toBe('pg.query:UPDATE shop');
    expect(update.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
    const updated = await observed('update');
    expect(updated.count).toBe(1);
    expect(Math.abs(updated.sum * 1e3 - spanMs(update))).toBeLessThan(1);
    expect(spanMs(update)).toBeCloseTo(42.5, 3);

    expect(insert.name).toBe('pg.query:INSERT shop');
    expect(insert.attributes['error.type']).toBe('40001');
    const inserted = await observed('insert', 'error');
    expect(inserted.count).toBe(1);
    expect(Math.abs(inserted.sum * 1e3 - spanMs(insert))).toBeLessThan(1);
  });

  it('reads the active span once per statement with tracing on, and never with tracing off', () => {
    const active = jest.spyOn(context, 'active');
    const traced = subscriber(true).telemetry;
    active.mockClear();
    traced.beforeQuery({ queryRunner: {} as QueryRunner, query: SELECT } as BeforeQueryEvent);
    expect(active).toHaveBeenCalledTimes(1);

    mockTracing = { enabled: false };
    const untraced = subscriber(true).telemetry;
    active.mockClear();
    untraced.beforeQuery({ queryRunner: {} as QueryRunner, query: SELECT } as BeforeQueryEvent);
    expect(active).not.toHaveBeenCalled();
  });

  it('with metrics off, still gives slow and failing statements their spans, and times nothing else', async () => {
    const { telemetry, dataSource, observed } = subscriber(false, 10);
    expect(dataSource.subscribers).toEqual([telemetry]);
    const { parent, ctx } = recording();
    send(telemetry, {} as QueryRunner, UPDATE, ctx)(25);
    send(telemetry, {} as QueryRunner, SELECT, ctx)(2);
    parent.end();
    expect(sqlSpans().map((span) => span.name)).toEqual(['pg.query:UPDATE shop']);
    expect(spanMs(sqlSpans()[0])).toBeCloseTo(25, 3);
    expect(await observed('update')).toEqual({ sum: 0, count: 0 });
    // Outside a recorded span, nothing needs the statement's time.
    let end!: (ms: number) => void;
    expect(clockReads(() => (end = send(telemetry, {} as QueryRunner, UPDATE, unsampled())))).toBe(0);
    expect(clockReads(() => end(30))).toBe(0);
    expect(sqlSpans()).toHaveLength(1);
  });

  it('with tracing off, still times every statement, and gives none a span', async () => {
    mockTracing = undefined; // no startTracing() in the process
    const { telemetry, dataSource, observed } = subscriber(true, 0);
    expect(dataSource.subscribers).toEqual([telemetry]);
    const { parent, ctx } = recording();
    send(telemetry, {} as QueryRunner, UPDATE, ctx)(25);
    send(telemetry, {} as QueryRunner, UPDATE, ctx)(5, false);
    parent.end();
    expect(sqlSpans()).toEqual([]);
    expect(await observed('update')).toEqual({ sum: 0.025, count: 1 });
    expect(await observed('update', 'error')).toEqual({ sum: 0.005, count: 1 });
  });

  it('with metrics and tracing off, never joins the data source', () => {
    mockTracing = { enabled: false };
    expect(subscriber(false).dataSource.subscribers).toEqual([]);
    mockTracing = undefined;
    expect(subscriber(false).dataSource.subscribers).toEqual([]);
  });

  it('leaves the data source when told to record nothing, and joins it once', () => {
    const { telemetry, dataSource } = subscriber(true);
    telemetry.attach({ metrics: true, tracing: false });
    expect(dataSource.subscribers).toEqual([telemetry]);
    telemetry.attach({ metrics: false, tracing: false });
    expect(dataSource.subscribers).toEqual([]);
  });

  it('matches statements sent at once on one query runner to their own times and traces, in order', async () => {
    const { telemetry, observed } = subscriber(true, 10);
    const queryRunner = {} as QueryRunner;
    const first = recording();
    const second = recording();
    const endUntraced = send(telemetry, queryRunner, SELECT, unsampled()); // sent at 1000
    now += 1;
    const endFirst = send(telemetry, queryRunner, UPDATE, first.ctx); // sent at 1001
    now += 1;
    const endSecond = send(telemetry, queryRunner, INSERT, second.ctx); // sent at 1002
    endUntraced(18); // done at 1020: 20 ms
    endFirst(10); // done at 1030: 29 ms
    endSecond(3); // done at 1033: 31 ms
    // And the query runner's next statement, alone, after them.
    send(telemetry, queryRunner, SELECT, first.ctx)(2);
    first.parent.end();
    second.parent.end();

    expect(await observed('select')).toEqual({ sum: 0.022, count: 2 });
    expect((await observed('update')).sum).toBeCloseTo(0.029, 9);
    expect((await observed('insert')).sum).toBeCloseTo(0.031, 9);
    const spans = sqlSpans();
    expect(
      spans.map((span) => [span.name, span.parentSpanContext?.spanId, Math.round(spanMs(span))]),
    ).toEqual([
      ['pg.query:UPDATE shop', first.parent.spanContext().spanId, 29],
      ['pg.query:INSERT shop', second.parent.spanContext().spanId, 31],
    ]);
  });
});
