import { context, SpanKind, SpanStatusCode, trace, TraceFlags, type Span } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { DataSource } from 'typeorm';
import { createTestDatabase, type TestDatabase } from '../../../tooling/database';
import { useInMemoryTracing } from '../../../test/support/in-memory-tracing';
import { QUERY_SPAN_TRACER, QueryTelemetrySubscriber } from './query-telemetry';

const THRESHOLD_MS = 20;
/** A value only ever sent as a parameter: it must not show up anywhere in a span. */
const SECRET = 'parameter-value-7f3a9c';

const durationMs = (span: ReadableSpan) => span.duration[0] * 1e3 + span.duration[1] / 1e6;
const startMs = (span: ReadableSpan) => span.startTime[0] * 1e3 + span.startTime[1] / 1e6;
const endMs = (span: ReadableSpan) => span.endTime[0] * 1e3 + span.endTime[1] / 1e6;
/** The duration histogram of a subscriber with metrics off: never used. */
const NO_DURATION = {} as ConstructorParameters<typeof QueryTelemetrySubscriber>[1];

/** Spans after the fact for slow and failing statements, against a real PostgreSQL through TypeORM. */
describe('QueryTelemetrySubscriber, spans (real PostgreSQL, in-memory exporter)', () => {
  const exporter = useInMemoryTracing();
  const tracer = () => trace.getTracer('test');
  let db: TestDatabase;
  let dataSource: DataSource;

  /** Runs `work` inside a recording span, ended afterwards; returns the span and what `work` returned. */
  const underParent = async <T>(
    work: () => Promise<T>,
  ): Promise<{ parent: Span; result?: T; error?: unknown }> => {
    const parent = tracer().startSpan('parent');
    try {
      const result = await context.with(trace.setSpan(context.active(), parent), work);
      return { parent, result };
    } catch (error) {
      return { parent, error };
    } finally {
      parent.end();
    }
  };
  const sqlSpans = () =>
    exporter.getFinishedSpans().filter((span) => span.instrumentationScope.name === QUERY_SPAN_TRACER);
  const joinWith = (thresholdMs: number) => {
    dataSource.subscribers.splice(0);
    new QueryTelemetrySubscriber(dataSource, NO_DURATION, { thresholdMs }, false).attach({
      metrics: false,
      tracing: true,
    });
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    dataSource = await new DataSource({
      type: 'postgres',
      url: db.url,
      applicationName: 'query-spans-spec',
    }).initialize();
    await dataSource.query('CREATE TABLE widgets (name text PRIMARY KEY)');
  });
  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });
  beforeEach(() => joinWith(THRESHOLD_MS));

  it('gives a statement under the threshold no span', async () => {
    joinWith(5_000); // far above what SELECT 1 takes, even on a loaded machine
    await underParent(() => dataSource.query('SELECT 1'));
    expect(sqlSpans()).toEqual([]);
    expect(exporter.getFinishedSpans().map((span) => span.name)).toEqual(['parent']);
  });

  it('gives a statement over the threshold a CLIENT span, child of the active one, named and timed as it ran', async () => {
    const { parent } = await underParent(() => dataSource.query('SELECT pg_sleep(0.05)'));
    const [span] = sqlSpans();
    expect(sqlSpans()).toHaveLength(1);
    expect(span.name).toBe(`pg.query:SELECT ${db.name}`);
    expect(span.kind).toBe(SpanKind.CLIENT);
    expect(span.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
    expect(span.spanContext().traceId).toBe(parent.spanContext().traceId);
    expect(span.attributes).toEqual({
      'db.system.name': 'postgresql',
      'db.namespace': db.name,
      'db.query.text': 'SELECT pg_sleep(0.05)',
      'db.operation.name': 'SELECT',
      'server.address': '127.0.0.1',
      'server.port': 5432,
    });
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
    expect(durationMs(span)).toBeGreaterThanOrEqual(50);
    // Within its parent's time, on the same clock (whose starts have millisecond resolution).
    const parentSpan = exporter.getFinishedSpans().find((s) => s.name === 'parent')!;
    expect(startMs(span)).toBeGreaterThanOrEqual(startMs(parentSpan));
    expect(endMs(span)).toBeLessThanOrEqual(endMs(parentSpan) + 1);
  });

  it('gives a failing statement an ERROR span with its exception, however fast, and no parameter value', async () => {
    await dataSource.query('INSERT INTO widgets (name) VALUES ($1)', [SECRET]);
    const { error } = await underParent(() =>
      dataSource.query('INSERT INTO widgets (name) VALUES ($1)', [SECRET]),
    );
    expect(error).toBeDefined();
    const syntax = await underParent(() => dataSource.query('SELEC 1'));
    expect(syntax.error).toBeDefined();

    const [unique, badSyntax] = sqlSpans();
    expect(sqlSpans()).toHaveLength(2);
    expect(unique.name).toBe(`pg.query:INSERT ${db.name}`);
    expect(unique.attributes).toMatchObject({
      'db.query.text': 'INSERT INTO widgets (name) VALUES ($1)',
      'db.operation.name': 'INSERT',
      'error.type': '23505',
      'db.response.status_code': '23505',
    });
    expect(unique.status).toEqual({
      code: SpanStatusCode.ERROR,
      message: "PostgreSQL error of type 'error' occurred (code: 23505)",
    });
    expect(unique.events).toEqual([
      expect.objectContaining({
        name: 'exception',
        attributes: {
          'exception.type': '23505',
          'exception.message': "PostgreSQL error of type 'error' occurred (code: 23505)",
        },
      }),
    ]);
    expect(badSyntax.name).toBe(`pg.query:SELEC ${db.name}`);
    expect(badSyntax.attributes['error.type']).toBe('42601');
    expect(badSyntax.status.code).toBe(SpanStatusCode.ERROR);
    expect(badSyntax.events.map((event) => event.name)).toEqual(['exception']);
    // The server's message (`Key (name)=(…) already exists` is in its detail) never reaches the span.
    expect(
      JSON.stringify(sqlSpans().map(({ attributes, events, status }) => ({ attributes, events, status }))),
    ).not.toContain(SECRET);
  });

  it('gives every statement a span at threshold 0, parameters left out', async () => {
    joinWith(0);
    await underParent(async () => {
      await dataSource.query('SELECT 1');
      await dataSource.query('SELECT $1::text AS name', [SECRET]);
      await dataSource.transaction(async (manager) => {
        await manager.query('SELECT count(*) FROM widgets');
      });
    });
    expect(sqlSpans().map((span) => span.attributes['db.query.text'])).toEqual([
      'SELECT 1',
      'SELECT $1::text AS name',
      'START TRANSACTION',
      'SELECT count(*) FROM widgets',
      'COMMIT',
    ]);
    expect(sqlSpans().map((span) => span.name)).toContain(`pg.query:START ${db.name}`);
    expect(JSON.stringify(sqlSpans().map((span) => span.attributes))).not.toContain(SECRET);
  });

  it('gives none without an active span, or under one that does not record, and starts no trace', async () => {
    joinWith(0);
    await dataSource.query('SELECT pg_sleep(0.03)');
    await dataSource.query('SELEC 1').catch(() => undefined);
    const unsampled = trace.wrapSpanContext({
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      traceFlags: TraceFlags.NONE,
    });
    await context.with(trace.setSpan(context.active(), unsampled), async () => {
      await dataSource.query('SELECT pg_sleep(0.03)');
      await dataSource.query('SELEC 1').catch(() => undefined);
    });
    expect(exporter.getFinishedSpans()).toEqual([]);
  });

  it('keeps each statement in its own trace when several run at once', async () => {
    const runs = await Promise.all(
      [1, 2, 3].map(() => underParent(() => dataSource.query('SELECT pg_sleep(0.03)'))),
    );
    const spans = sqlSpans();
    expect(spans).toHaveLength(3);
    expect(new Set(spans.map((span) => span.parentSpanContext?.spanId))).toEqual(
      new Set(runs.map(({ parent }) => parent.spanContext().spanId)),
    );
  });

  it('keeps apart statements sent at once on one query runner, each in the trace that sent it, if any', async () => {
    const runner = dataSource.createQueryRunner();
    try {
      const first = tracer().startSpan('first');
      const second = tracer().startSpan('second');
      const send = (parent: Span, sql: string) =>
        context.with(trace.setSpan(context.active(), parent), () => runner.query(sql));
      await Promise.all([
        runner.query('SELECT pg_sleep(0.029)'), // outside any span: none, and it takes no other's place
        send(first, 'SELECT pg_sleep(0.03)'),
        send(second, 'SELECT pg_sleep(0.031)'),
      ]);
      first.end();
      second.end();
      const parentOf = (sql: string) =>
        sqlSpans().find((span) => span.attributes['db.query.text'] === sql)?.parentSpanContext?.spanId;
      expect(sqlSpans()).toHaveLength(2);
      expect(parentOf('SELECT pg_sleep(0.03)')).toBe(first.spanContext().spanId);
      expect(parentOf('SELECT pg_sleep(0.031)')).toBe(second.spanContext().spanId);
    } finally {
      await runner.release();
    }
  });

  it('joins the data source only when tracing runs in the process (metrics off)', () => {
    dataSource.subscribers.splice(0);
    new QueryTelemetrySubscriber(dataSource, NO_DURATION, { thresholdMs: 0 }, false).onModuleInit(); // no startTracing() here
    expect(dataSource.subscribers).toEqual([]);
  });
});
