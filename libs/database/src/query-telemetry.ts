import { InjectMetric, METRICS_ENABLED, type Histogram } from '@app/observability';
import { activeTracing } from '@app/observability/tracing';
import { Inject, Injectable, Optional, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { context, SpanKind, SpanStatusCode, trace, type Attributes, type Context } from '@opentelemetry/api';
import type {
  AfterQueryEvent,
  BeforeQueryEvent,
  DataSource,
  DataSourceOptions,
  EntitySubscriberInterface,
  QueryRunner,
} from 'typeorm';
import { DB_METRICS } from './database-metric-names';
import { statementLabels } from './sql-statement-labels';

/** The instrumentation scope of the SQL spans (the library's name, as `@app/observability` names its own). */
export const QUERY_SPAN_TRACER = '@app/database';

/** The attributes of a SQL span, as the pg instrumentation names them (stable semantic conventions). */
export const QUERY_SPAN_ATTRIBUTES = {
  system: 'db.system.name',
  namespace: 'db.namespace',
  queryText: 'db.query.text',
  operation: 'db.operation.name',
  statusCode: 'db.response.status_code',
  errorType: 'error.type',
  serverAddress: 'server.address',
  serverPort: 'server.port',
} as const;

export const QUERY_SPAN_OPTIONS = Symbol('QUERY_SPAN_OPTIONS');

export interface QuerySpanOptions {
  /** A statement gets a span when it takes at least this many milliseconds (0: every one) or fails. */
  thresholdMs: number;
}

/** What the subscriber records for each statement. */
export interface QueryTelemetryScope {
  /** `db_query_duration_seconds`. */
  metrics: boolean;
  /** A span for each slow or failing statement run inside a recorded span. */
  tracing: boolean;
}

/**
 * Statement texts whose series are remembered at most: the statements sent are a fixed set (the
 * repositories' SQL constants and the ORM's own), so the bound only matters if texts vary (values
 * inlined); past it, the memory starts afresh.
 */
export const MAX_TIMED_STATEMENTS = 1_000;

type QueryLabel = (typeof DB_METRICS.queryLabels)[number];
type QueryDuration = Histogram<QueryLabel>;
type BoundQueryDuration = ReturnType<QueryDuration['labels']>;

/** A statement text's duration series, bound per outcome on first use. */
interface StatementSeries {
  ok?: BoundQueryDuration;
  error?: BoundQueryDuration;
}

/**
 * A statement under way on a query runner, between TypeORM's before- and after-query events. Timed as
 * the SDK times its own spans: the duration on the monotonic clock, the start of a span on the wall clock.
 *
 * A query runner keeps one, reused by each of its statements in turn: a query runner runs one statement
 * at a time, so the common case allocates nothing. Statements issued on it at once are queued by its
 * connection and finish in the order they were sent: each one sent while another runs gets its own,
 * linked after the last (`next`).
 */
class Statement {
  /** Whether a statement is under way (sent, its after-query event not seen yet). */
  busy = false;
  /** `performance.now()` when it was sent; 0 when nothing needs its duration. */
  at = 0;
  /** `Date.now()` when it was sent, if it runs in a recorded span: never before that span's start. */
  wallClock = 0;
  /** The context it was sent in, if that context's span records: the parent of its span, if it gets one. */
  parent: Context | undefined = undefined;
  /** The statement sent next on the same query runner while this one ran. */
  next: Statement | undefined = undefined;
}

/** On a query runner: its statement under way (the oldest, when several are). */
const STATEMENT = Symbol('query-telemetry.statement');

type TimedQueryRunner = QueryRunner & { [STATEMENT]?: Statement };

/** The server the data source talks to: the same attributes on every span. */
interface Endpoint {
  database: string | undefined;
  attributes: Attributes;
}

/**
 * The telemetry of every SQL statement TypeORM sends, from its before- and after-query events: its
 * duration in `db_query_duration_seconds` (metrics on) and, for one that takes at least `thresholdMs` or
 * fails inside a recorded span, a CLIENT span after the fact in that trace (tracing on). One subscriber
 * does both, so that each statement is timed once (one `performance.now()` when sent, one when done) and
 * TypeORM hands each event to one subscriber; it has no `listenTo`, the cheapest answer for the entity
 * events TypeORM asks every subscriber about.
 *
 * Metrics: each statement text is labelled once and its series bound once per outcome, so a statement
 * costs one map look-up and a sample added to its series (with the active sampled trace as its exemplar).
 *
 * Spans: fast statements get none, their latency is in the histogram already, and a span each would make
 * most of a trace's spans (and of the export's cost) without telling what the histogram does not. Like the
 * pg instrumentation with `requireParentSpan`, a statement outside a recorded span (a scrape-time gauge,
 * an unsampled request) never gets a span, nor starts a trace. Names and attributes are the pg
 * instrumentation's (stable semantic conventions): `pg.query:SELECT orders`, `db.query.text` with its
 * placeholders; parameter values are never read. A failure's exception carries the SQLSTATE but not the
 * server's message, which may quote a value. The active span is read only with tracing on, once per
 * statement; the wall clock and the context are kept only when it records.
 *
 * It joins the data source when metrics (`METRICS_ENABLED`, on unless false) or tracing
 * (`activeTracing()?.enabled`) are on; with both off, statements pay nothing for it.
 */
@Injectable()
export class QueryTelemetrySubscriber implements EntitySubscriberInterface, OnModuleInit {
  private readonly statements = new Map<string, StatementSeries>();
  private readonly thresholdMs: number;
  private metrics = false;
  private tracing = false;
  private endpoint: Endpoint | undefined;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectMetric(DB_METRICS.queryDuration) private readonly duration: QueryDuration,
    @Inject(QUERY_SPAN_OPTIONS) options: QuerySpanOptions,
    @Optional() @Inject(METRICS_ENABLED) private readonly metricsEnabled?: boolean,
  ) {
    this.thresholdMs = options.thresholdMs;
  }

  onModuleInit(): void {
    this.attach({ metrics: this.metricsEnabled !== false, tracing: activeTracing()?.enabled === true });
  }

  /**
   * Records what `scope` asks for from now on: joins the data source's subscribers (once) when it asks for
   * anything, leaves them when it asks for nothing. `onModuleInit` calls it with the process's settings.
   */
  attach(scope: QueryTelemetryScope): void {
    this.metrics = scope.metrics;
    this.tracing = scope.tracing;
    const subscribers = this.dataSource.subscribers;
    const index = subscribers.indexOf(this);
    if (!scope.metrics && !scope.tracing) {
      if (index !== -1) subscribers.splice(index, 1);
      return;
    }
    if (scope.tracing) this.endpoint ??= endpointOf(this.dataSource.options);
    if (index === -1) subscribers.push(this);
  }

  beforeQuery(event: BeforeQueryEvent): void {
    let parent: Context | undefined;
    if (this.tracing) {
      const active = context.active();
      if (trace.getSpan(active)?.isRecording() === true) parent = active;
    }
    const queryRunner = event.queryRunner as TimedQueryRunner;
    let statement = queryRunner[STATEMENT];
    if (statement === undefined) queryRunner[STATEMENT] = statement = new Statement();
    else if (statement.busy) statement = queued(statement);
    statement.busy = true;
    statement.parent = parent;
    if (parent !== undefined) statement.wallClock = Date.now();
    // Last, so that the statement's time leaves out the subscriber's own work.
    statement.at = this.metrics || parent !== undefined ? performance.now() : 0;
  }

  afterQuery(event: AfterQueryEvent): void {
    const queryRunner = event.queryRunner as TimedQueryRunner;
    const statement = queryRunner[STATEMENT];
    if (statement === undefined || !statement.busy) return;
    const { at, parent } = statement;
    if (statement.next !== undefined) queryRunner[STATEMENT] = statement.next;
    else {
      statement.busy = false;
      statement.parent = undefined;
    }
    if (!this.metrics && parent === undefined) return;
    const elapsedMs = performance.now() - at;
    if (this.metrics) this.durationOf(event.query, event.success).observe(elapsedMs / 1e3);
    if (parent !== undefined && (!event.success || elapsedMs >= this.thresholdMs)) {
      this.record(event, parent, statement.wallClock, elapsedMs);
    }
  }

  private durationOf(sql: string, success: boolean): BoundQueryDuration {
    let series = this.statements.get(sql);
    if (series === undefined) {
      if (this.statements.size >= MAX_TIMED_STATEMENTS) this.statements.clear();
      this.statements.set(sql, (series = {}));
    }
    return success
      ? (series.ok ??= this.duration.labels({ ...statementLabels(sql), outcome: 'ok' }))
      : (series.error ??= this.duration.labels({ ...statementLabels(sql), outcome: 'error' }));
  }

  /** The span of a statement sent at `startTime` (milliseconds since the epoch) that took `elapsedMs`. */
  private record(event: AfterQueryEvent, parent: Context, startTime: number, elapsedMs: number): void {
    const endpoint = (this.endpoint ??= endpointOf(this.dataSource.options));
    const end = startTime + elapsedMs;
    const operation = operationName(event.query);
    const span = trace.getTracer(QUERY_SPAN_TRACER).startSpan(
      `pg.query:${operation}${endpoint.database ? ` ${endpoint.database}` : ''}`,
      {
        kind: SpanKind.CLIENT,
        startTime,
        attributes: {
          ...endpoint.attributes,
          [QUERY_SPAN_ATTRIBUTES.queryText]: event.query,
          [QUERY_SPAN_ATTRIBUTES.operation]: operation,
        },
      },
      parent,
    );
    if (!event.success) {
      const error = describeFailure(event.error);
      if (error.code) span.setAttribute(QUERY_SPAN_ATTRIBUTES.statusCode, error.code);
      span.setAttribute(QUERY_SPAN_ATTRIBUTES.errorType, error.type);
      span.recordException({ name: error.name, code: error.code, message: error.message }, end);
      span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
    }
    span.end(end);
  }
}

/** A new statement queued after `head`'s last one on their query runner. */
function queued(head: Statement): Statement {
  let last = head;
  while (last.next !== undefined) last = last.next;
  return (last.next = new Statement());
}

/**
 * The statement's first word, upper case, as the pg instrumentation names it (`SELECT`, `INSERT`, `START`
 * for `START TRANSACTION`, `WITH` for a common table expression).
 */
function operationName(sql: string): string {
  const text = sql.trim();
  const space = text.search(/\s/);
  const word = (space === -1 ? text : text.slice(0, space)).toUpperCase();
  return word.endsWith(';') ? word.slice(0, -1) : word;
}

interface Failure {
  /** SQLSTATE (`23505`), when the server answered with an error. */
  code: string | undefined;
  name: string;
  /** `error.type`: the SQLSTATE, else the error's class. */
  type: string;
  /** Names the kind of error and its code only: the server's own message may quote a parameter value. */
  message: string;
}

function describeFailure(error: unknown): Failure {
  const fields = (typeof error === 'object' && error !== null ? error : {}) as {
    code?: unknown;
    name?: unknown;
  };
  const code = typeof fields.code === 'string' && fields.code ? fields.code : undefined;
  const name = typeof fields.name === 'string' && fields.name ? fields.name : 'PostgreSQLError';
  return {
    code,
    name,
    type: code ?? (error instanceof Error ? error.constructor.name : '_OTHER'),
    message: `PostgreSQL error of type '${name}' occurred (code: ${code ?? 'UNKNOWN'})`,
  };
}

/** Database, host and port from the data source's URL (which wins, as in TypeORM) or its fields. */
function endpointOf(options: DataSourceOptions): Endpoint {
  const fields = options as { url?: string; host?: string; port?: number; database?: string };
  let url: URL | undefined;
  try {
    url = fields.url ? new URL(fields.url) : undefined;
  } catch {
    url = undefined;
  }
  const database = (url ? decodeURIComponent(url.pathname.slice(1)) : fields.database) || undefined;
  const host = url?.hostname.replace(/^\[(.*)\]$/, '$1') || fields.host || 'localhost';
  const port = Number(url?.port) || fields.port || 5432;
  return {
    database,
    attributes: {
      [QUERY_SPAN_ATTRIBUTES.system]: 'postgresql',
      ...(database ? { [QUERY_SPAN_ATTRIBUTES.namespace]: database } : {}),
      [QUERY_SPAN_ATTRIBUTES.serverAddress]: host,
      [QUERY_SPAN_ATTRIBUTES.serverPort]: port,
    },
  };
}
