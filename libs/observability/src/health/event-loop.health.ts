import { monitorEventLoopDelay, type ELDHistogram } from 'node:perf_hooks';
import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';

/**
 * Event-loop delay over a sliding window: a process whose loop is blocked cannot answer in time and
 * should not receive more traffic until it recovers.
 */
@Injectable()
export class EventLoopHealthIndicator implements OnModuleDestroy {
  private readonly histogram: ELDHistogram = monitorEventLoopDelay({ resolution: 20 });
  private windowStartedAt = Date.now();

  constructor(private readonly indicators: HealthIndicatorService) {
    this.histogram.enable();
  }

  /** Down when the 99th percentile delay of the last window exceeds `thresholdMs`. */
  async check<const Key extends string>(
    key: Key,
    thresholdMs: number,
    windowMs = 10_000,
  ): Promise<HealthIndicatorResult<Key>> {
    const p99Ms = this.histogram.percentile(99) / 1e6;
    if (Date.now() - this.windowStartedAt > windowMs) {
      this.histogram.reset();
      this.windowStartedAt = Date.now();
    }
    const session = this.indicators.check(key);
    const details = { p99Ms: Math.round(p99Ms * 10) / 10, thresholdMs };
    return p99Ms <= thresholdMs ? session.up(details) : session.down(details);
  }

  onModuleDestroy(): void {
    this.histogram.disable();
  }
}
