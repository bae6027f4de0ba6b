import { makeGaugeProvider, type Gauge } from '@app/observability';
import type { Provider } from '@nestjs/common';
import { DatabaseGaugesLease } from './database-gauges-lease.service';

type GaugeProviderOptions = Parameters<typeof makeGaugeProvider>[0];

export type DatabaseGaugeOptions = GaugeProviderOptions & {
  /** Reads the database and sets the gauge; called at scrape time on the replica holding the lease only. */
  collect: NonNullable<GaugeProviderOptions['collect']>;
};

/**
 * A gauge read from the database at scrape time, exported by one replica only: the one holding the
 * database gauges lease (`DatabaseGaugesModule`). The others export no series for it at all: a 0 would be
 * summed with the leader's value as if it were true. Use it for any gauge that describes shared rows
 * rather than the process.
 */
export function makeDatabaseGaugeProvider(options: DatabaseGaugeOptions): Provider {
  const { collect, inject = [], ...rest } = options;
  return makeGaugeProvider({
    ...rest,
    inject: [DatabaseGaugesLease, ...inject],
    async collect(this: Gauge<string>, lease: DatabaseGaugesLease, ...injected: unknown[]) {
      if (!lease.held) return removeAllSeries(this);
      await collect.call(this, ...injected);
    },
  });
}

/** Leaves the gauge without a sample: `reset()` alone keeps a 0 for a gauge without labels. */
export function removeAllSeries(gauge: Gauge<string>): void {
  gauge.reset();
  gauge.remove({});
}
