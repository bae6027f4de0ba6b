export interface DatabaseGaugesOptions {
  /** PostgreSQL connection string for the lease's own connection (outside the pool). */
  url: string;
  /**
   * How often a replica without the lease tries to take it, and the holder checks it still holds it: the
   * longest a dead exporter goes unreplaced. @default 5000
   */
  leaseIntervalMs?: number;
  /** Reported to PostgreSQL as `application_name` of the lease's connection. @default 'orders-gauges-lease' */
  applicationName?: string;
}

export const DATABASE_GAUGES_DEFAULTS = {
  leaseIntervalMs: 5_000,
  applicationName: 'orders-gauges-lease',
} as const satisfies Partial<DatabaseGaugesOptions>;

export const DATABASE_GAUGES_OPTIONS = Symbol('DATABASE_GAUGES_OPTIONS');
