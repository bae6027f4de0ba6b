/** Names and labels of the data layer's metrics. */
export const DB_METRICS = {
  queryDuration: 'db_query_duration_seconds',
  queryLabels: ['operation', 'table', 'outcome'] as const,
  poolConnections: 'db_pool_connections',
  /** 1 on the one replica that exports the gauges read from the database, 0 on the others. */
  gaugesLeader: 'database_gauges_leader',
} as const;
