import { METRICS_ENABLED } from '@app/observability';
import {
  Inject,
  Injectable,
  Logger,
  Optional,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { AdvisoryLease } from '../advisory-lock';
import {
  DATABASE_GAUGES_DEFAULTS,
  DATABASE_GAUGES_OPTIONS,
  type DatabaseGaugesOptions,
} from './database-gauges.options';

/**
 * Which replica exports the gauges that describe the database (orders by status, stock, webhook backlog):
 * every replica reads the same rows, so if each exported them a sum across replicas would count them once
 * per replica. One replica holds the `databaseGauges` advisory lock and exports them; PostgreSQL releases
 * the lock when that replica dies or loses its connection, and another takes it within one interval.
 * Work done for those gauges by one replica only (folding and reconciling the kept order counts) also
 * checks `held`. With metrics off there is nothing to export, so the lease is never taken.
 */
@Injectable()
export class DatabaseGaugesLease implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(DatabaseGaugesLease.name);
  private readonly lease: AdvisoryLease;
  private stopping = false;

  constructor(
    @Inject(DATABASE_GAUGES_OPTIONS) options: DatabaseGaugesOptions,
    @Optional() @Inject(METRICS_ENABLED) private readonly metricsEnabled?: boolean,
  ) {
    const settings = { ...DATABASE_GAUGES_DEFAULTS, ...options };
    this.lease = new AdvisoryLease({
      url: settings.url,
      name: 'databaseGauges',
      checkIntervalMs: settings.leaseIntervalMs,
      applicationName: settings.applicationName,
      onChange: (held) => this.logChange(held),
    });
  }

  /** Whether this process exports the database gauges now. */
  get held(): boolean {
    return this.lease.held;
  }

  /** Tries once before the app listens, so a lone replica exports from its first scrape. */
  async onApplicationBootstrap(): Promise<void> {
    if (this.metricsEnabled === false) return;
    await this.lease.start();
  }

  /** First of the shutdown hooks: a successor can take over while this replica drains. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    await this.lease.stop();
  }

  private logChange(held: boolean): void {
    if (held)
      this.logger.log(
        'took the database gauges lease: this replica exports the gauges read from the database',
      );
    else if (this.stopping)
      this.logger.log(
        'released the database gauges lease on shutdown: another replica takes it at its next try',
      );
    else
      this.logger.warn(
        'lost the database gauges lease: this replica stops exporting the gauges read from the database, and tries to take it back',
      );
  }
}
