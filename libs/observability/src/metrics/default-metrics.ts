import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { collectDefaultMetrics, register } from 'prom-client';
import { RESOLVED_OPTIONS } from '../observability.constants';
import type { ResolvedObservabilityOptions } from '../observability.options';
import { dropMisnamedDefaultMetrics } from './metrics-exposition';

/** A metric collectDefaultMetrics registers, to tell whether another module instance already did. */
const PROCESS_METRIC = 'process_cpu_user_seconds_total';

/**
 * prom-client's process and runtime metrics (CPU, memory, event-loop lag, GC) when
 * `metrics.defaultMetrics` is on; registered once per process, whatever the number of applications.
 */
@Injectable()
export class DefaultMetrics implements OnModuleInit {
  constructor(@Inject(RESOLVED_OPTIONS) private readonly options: ResolvedObservabilityOptions) {}

  onModuleInit(): void {
    if (!this.options.metrics.defaultMetrics || register.getSingleMetric(PROCESS_METRIC)) return;
    collectDefaultMetrics();
    dropMisnamedDefaultMetrics();
  }
}
