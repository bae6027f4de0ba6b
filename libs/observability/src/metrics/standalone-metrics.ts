import {
  Counter,
  Gauge,
  Histogram,
  Pushgateway,
  Registry,
  type CounterConfiguration,
  type GaugeConfiguration,
  type HistogramConfiguration,
} from 'prom-client';

/** A metric's definition: name, help and label names (and a histogram's buckets); the registry is the set's. */
export type StandaloneMetricConfig<C> = Omit<C, 'registers'>;

/** How long a push may take before it fails. */
const PUSH_TIMEOUT_MS = 5_000;

/**
 * Metrics kept in a registry of their own, apart from the one the process exposes on /metrics: a batch
 * job's, which lives shorter than a scrape interval and pushes them to the Prometheus Pushgateway when it
 * ends, or instruments read directly, without the process's series. Create the instruments with
 * `counter`, `gauge` and `histogram` and record them as usual.
 */
export class StandaloneMetrics {
  private readonly registry = new Registry();

  counter<L extends string = string>(config: StandaloneMetricConfig<CounterConfiguration<L>>): Counter<L> {
    return new Counter<L>({ ...config, registers: [this.registry] });
  }

  gauge<L extends string = string>(config: StandaloneMetricConfig<GaugeConfiguration<L>>): Gauge<L> {
    return new Gauge<L>({ ...config, registers: [this.registry] });
  }

  histogram<L extends string = string>(
    config: StandaloneMetricConfig<HistogramConfiguration<L>>,
  ): Histogram<L> {
    return new Histogram<L>({ ...config, registers: [this.registry] });
  }

  /**
   * Pushes every metric of the set to the Pushgateway at `gatewayUrl`, grouped under `jobName`. Adds to
   * the group (`pushAdd`, POST): series of metrics this push does not carry stay as an earlier run left
   * them.
   */
  async pushAdd(gatewayUrl: string, jobName: string, timeoutMs = PUSH_TIMEOUT_MS): Promise<void> {
    await new Pushgateway(gatewayUrl, { timeout: timeoutMs }, this.registry).pushAdd({ jobName });
  }
}
