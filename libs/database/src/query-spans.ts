import { activeTracing } from '@app/observability/tracing';
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
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

/**
 * A statement under way that may get a span: when it started, and the trace it runs in. Timed as the SDK
 * times its own spans: the start on the wall clock (`Date.now()`), the duration on the monotonic one.
 */
interface Started {
  /** `Date.now()`: never before the start of the span that runs the statement. */
  wallClock: number;
  /** `performance.now()`. */
  at: number;
  parent: Context;
}

/** The server the data source talks to: the same attributes on every span. */
interface Endpoint {
  database: string | undefined;
  attributes: Attributes;
}

/**
 * A CLIENT span for each SQL statement that takes at least `thresholdMs` or fails, created after the
 * fact from TypeORM's before- and after-query events, in the trace that ran the statement. Fast statements
 * get none: their latency is in `db_query_duration_seconds` already, and a span each would make most of a
 * trace's spans (and of the export's cost) without telling what the histogram does not.
 *
 * Like the pg instrumentation with `requireParentSpan`, a statement outside a recorded span (a scrape-time
 * gauge, an unsampled request) never gets a span, nor starts a trace. Names and attributes are the pg
 * instrumentation's (stable semantic conventions): `pg.query:SELECT orders`, `db.query.text` with its
 * placeholders; parameter values are never read. A failure's exception carries the SQLSTATE but not the
 * server's message, which may quote a value.
 *
 * It joins the data source only when tracing runs in the process (`activeTracing()?.enabled`): with
 * tracing off, statements pay nothing for it.
 */
@Injectable()
export class QuerySpansSubscriber implements EntitySubscriberInterface, OnModuleInit {
  /**
   * Statements started per query runner, oldest first (`null`: one that gets no span). A query runner
   * normally runs one statement at a time; statements issued on it at once are queued by its connection
   * and finish in the order they were sent.
   */
  private readonly started = new WeakMap<QueryRunner, Array<Started | null>>();
  private readonly thresholdMs: number;
  private endpoint: Endpoint | undefined;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(QUERY_SPAN_OPTIONS) options: QuerySpanOptions,
  ) {
    this.thresholdMs = options.thresholdMs;
  }

  onModuleInit(): void {
    if (activeTracing()?.enabled) this.attach();
  }

  /** Joins the data source's subscribers (once); `onModuleInit` does it when tracing is enabled. */
  attach(): void {
    if (this.dataSource.subscribers.includes(this)) return;
    this.endpoint = endpointOf(this.dataSource.options);
    this.dataSource.subscribers.push(this);
  }

  beforeQuery(event: BeforeQueryEvent): void {
    const parent = context.active();
    const recording = trace.getSpan(parent)?.isRecording() === true;
    // Statements that get no span hold their place too, so that each after-query event finds its own.
    const entry = recording ? { wallClock: Date.now(), at: performance.now(), parent } : null;
    const queue = this.started.get(event.queryRunner);
    if (queue) queue.push(entry);
    else this.started.set(event.queryRunner, [entry]);
  }

  afterQuery(event: AfterQueryEvent): void {
    const queue = this.started.get(event.queryRunner);
    if (!queue) return;
    const started = queue.shift();
    if (queue.length === 0) this.started.delete(event.queryRunner);
    if (!started) return;
    const elapsedMs = performance.now() - started.at;
    if (event.success && elapsedMs < this.thresholdMs) return;
    this.record(event, started, started.wallClock + elapsedMs);
  }

  /** The span of a statement that ended at `end` (milliseconds since the epoch). */
  private record(event: AfterQueryEvent, started: Started, end: number): void {
    const endpoint = this.endpoint ?? endpointOf(this.dataSource.options);
    const operation = operationName(event.query);
    const span = trace.getTracer(QUERY_SPAN_TRACER).startSpan(
      `pg.query:${operation}${endpoint.database ? ` ${endpoint.database}` : ''}`,
      {
        kind: SpanKind.CLIENT,
        startTime: started.wallClock,
        attributes: {
          ...endpoint.attributes,
          [QUERY_SPAN_ATTRIBUTES.queryText]: event.query,
          [QUERY_SPAN_ATTRIBUTES.operation]: operation,
        },
      },
      started.parent,
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
