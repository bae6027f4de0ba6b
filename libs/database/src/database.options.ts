export interface DatabaseModuleOptions {
  /** PostgreSQL connection string (`postgresql://user:pass@host:5432/db`). */
  url: string;
  /**
   * Maximum connections in the pool.
   * @default 10
   */
  poolMax?: number;
  /**
   * Run pending migrations when the module starts.
   * @default true
   */
  runMigrations?: boolean;
  /**
   * Reported to PostgreSQL as `application_name` (visible in pg_stat_activity).
   * @default 'orders'
   */
  applicationName?: string;
  /**
   * How long a query may run before PostgreSQL cancels it, in milliseconds.
   * @default 15000
   */
  statementTimeoutMs?: number;
  /**
   * How long to wait for a connection from the pool or to the server, in milliseconds.
   * @default 5000
   */
  connectionTimeoutMs?: number;
  /**
   * With tracing on, a SQL statement gets a span when it takes at least this many milliseconds, or fails
   * (`0`: every statement); every statement's latency is in `db_query_duration_seconds` either way.
   * @default 10
   */
  spanThresholdMs?: number;
}

export const DATABASE_DEFAULTS = {
  poolMax: 10,
  runMigrations: true,
  applicationName: 'orders',
  statementTimeoutMs: 15_000,
  connectionTimeoutMs: 5_000,
  spanThresholdMs: 10,
} as const satisfies Partial<DatabaseModuleOptions>;
