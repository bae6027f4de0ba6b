import { makeGaugeProvider, makeHistogramProvider, type Gauge } from '@app/observability';
import type { Provider } from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { DB_METRICS } from './database-metric-names';

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
