import { makeGaugeProvider, type Gauge } from '@app/observability';
import { Module, type DynamicModule } from '@nestjs/common';
import { DB_METRICS } from '../database-metric-names';
import { DatabaseGaugesLease } from './database-gauges-lease.service';
import { DATABASE_GAUGES_OPTIONS, type DatabaseGaugesOptions } from './database-gauges.options';

/**
 * The lease that picks the one replica exporting the gauges read from the database, and
 * `database_gauges_leader` (1 on that replica, 0 on the others) so that "exactly one" can be watched.
 * Global: gauges declared with `makeDatabaseGaugeProvider` in any module find the lease. Import it in
 * the app that exports those gauges (the API), not in the others.
 */
@Module({})
export class DatabaseGaugesModule {
  static forRoot(options: DatabaseGaugesOptions): DynamicModule {
    return {
      module: DatabaseGaugesModule,
      global: true,
      providers: [
        { provide: DATABASE_GAUGES_OPTIONS, useValue: options },
        DatabaseGaugesLease,
        makeGaugeProvider({
          name: DB_METRICS.gaugesLeader,
          help: 'Whether this process exports the gauges read from the database (1) or leaves them to another replica (0)',
          inject: [DatabaseGaugesLease],
          collect(this: Gauge, lease: DatabaseGaugesLease) {
            this.set(lease.held ? 1 : 0);
          },
        }),
      ],
      exports: [DatabaseGaugesLease],
    };
  }
}
