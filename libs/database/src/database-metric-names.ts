/** Names and labels of the data layer's metrics. */
export const DB_METRICS = {
  queryDuration: 'db_query_duration_seconds',
  queryLabels: ['operation', 'table', 'outcome'] as const,
  poolConnections: 'db_pool_connections',
} as const;
