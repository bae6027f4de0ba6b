import {
  InjectMetric,
  makeGaugeProvider,
  makeHistogramProvider,
  METRICS_ENABLED,
  type Gauge,
  type Histogram,
} from '@app/observability';
import { DB_METRICS } from './database-metric-names';
import { Inject, Injectable, Optional, type OnModuleInit, type Provider } from '@nestjs/common';
import { InjectDataSource, getDataSourceToken } from '@nestjs/typeorm';
import type {
  AfterQueryEvent,
  BeforeQueryEvent,
  DataSource,
  EntitySubscriberInterface,
  QueryRunner,
} from 'typeorm';
import { statementLabels } from './sql-statement-labels';

type QueryLabel = (typeof DB_METRICS.queryLabels)[number];
type QueryDuration = Histogram<QueryLabel>;
type BoundQueryDuration = ReturnType<QueryDuration['labels']>;

/**
 * Statement texts whose series are remembered at most: the statements sent are a fixed set (the
 * repositories' SQL constants and the ORM's own), so the bound only matters if texts vary (values
 * inlined); past it, the memory starts afresh.
 */
export const MAX_TIMED_STATEMENTS = 1_000;

/** A statement text's duration series, bound per outcome on first use. */
interface StatementSeries {
  ok?: BoundQueryDuration;
  error?: BoundQueryDuration;
}

/** On a query runner between TypeORM's before- and after-query events: when its statement was sent. */
const STARTED = Symbol('query-metrics.started');

type TimedQueryRunner = QueryRunner & { [STARTED]?: number | undefined };

interface PgPool {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

/** Query latency by operation and table, and the state of the connection pool. */
export const databaseMetricProviders: Provider[] = [
  makeHistogramProvider({
    name: DB_METRICS.queryDuration,
    help: 'Duration of SQL statements in seconds, by operation, table and outcome',
    labelNames: [...DB_METRICS.queryLabels],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  }),
  makeGaugeProvider({
    name: DB_METRICS.poolConnections,
    help: 'Connection pool: connections in use, idle, and requests waiting for one',
    labelNames: ['state'],
    inject: [getDataSourceToken()],
    collect(this: Gauge<'state'>, dataSource: DataSource) {
      const pool = (dataSource.driver as unknown as { master?: PgPool }).master;
      if (!pool) return;
      this.set({ state: 'in_use' }, pool.totalCount - pool.idleCount);
      this.set({ state: 'idle' }, pool.idleCount);
      this.set({ state: 'waiting' }, pool.waitingCount);
    },
  }),
];

/**
 * Times every statement TypeORM sends. A query runner runs one statement at a time, so the start time
 * is kept on the query runner between TypeORM's before- and after-query events. Each statement text is
 * labelled once, and its series bound once per outcome, so a statement costs one map look-up and a
 * sample added to its series (with the active sampled trace as its exemplar). With metrics off
 * (`METRICS_ENABLED` false) it never joins the data source, so statements pay nothing for it.
 */
@Injectable()
export class QueryMetricsSubscriber implements EntitySubscriberInterface, OnModuleInit {
  private readonly statements = new Map<string, StatementSeries>();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectMetric(DB_METRICS.queryDuration) private readonly duration: QueryDuration,
    @Optional() @Inject(METRICS_ENABLED) private readonly metricsEnabled?: boolean,
  ) {}

  onModuleInit(): void {
    if (this.metricsEnabled === false) return;
    this.dataSource.subscribers.push(this);
  }

  beforeQuery(event: BeforeQueryEvent): void {
    (event.queryRunner as TimedQueryRunner)[STARTED] = performance.now();
  }

  afterQuery(event: AfterQueryEvent): void {
    const queryRunner = event.queryRunner as TimedQueryRunner;
    const start = queryRunner[STARTED];
    if (start === undefined) return;
    queryRunner[STARTED] = undefined;
    const seconds = (performance.now() - start) / 1e3;
    this.durationOf(event.query, event.success).observe(seconds);
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
}
