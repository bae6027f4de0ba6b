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
 * is kept per query runner between TypeORM's before- and after-query events. With metrics off
 * (`METRICS_ENABLED` false) it never joins the data source, so statements pay nothing for it.
 */
@Injectable()
export class QueryMetricsSubscriber implements EntitySubscriberInterface, OnModuleInit {
  private readonly started = new WeakMap<QueryRunner, bigint>();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectMetric(DB_METRICS.queryDuration)
    private readonly duration: Histogram<'operation' | 'table' | 'outcome'>,
    @Optional() @Inject(METRICS_ENABLED) private readonly metricsEnabled?: boolean,
  ) {}

  onModuleInit(): void {
    if (this.metricsEnabled === false) return;
    this.dataSource.subscribers.push(this);
  }

  beforeQuery(event: BeforeQueryEvent): void {
    this.started.set(event.queryRunner, process.hrtime.bigint());
  }

  afterQuery(event: AfterQueryEvent): void {
    const start = this.started.get(event.queryRunner);
    if (start === undefined) return;
    this.started.delete(event.queryRunner);
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    this.duration.observe(
      { ...statementLabels(event.query), outcome: event.success ? 'ok' : 'error' },
      seconds,
    );
  }
}
