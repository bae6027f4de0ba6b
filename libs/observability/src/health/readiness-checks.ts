import { Injectable } from '@nestjs/common';
import type { HealthIndicatorFunction } from '@nestjs/terminus';

/** Anything Terminus can run: a function returning a result, or a `HealthCheckAttempt` builder. */
export type ReadinessCheck = HealthIndicatorFunction;

/**
 * What must be up for this process to take traffic. Modules that own a dependency register its check
 * (the database module registers the database, a workflow engine registers Temporal); `/health/ready`
 * runs them all.
 */
@Injectable()
export class ReadinessChecks {
  private readonly checks = new Map<string, ReadinessCheck>();

  register(name: string, check: ReadinessCheck): void {
    this.checks.set(name, check);
  }

  all(): ReadinessCheck[] {
    return [...this.checks.values()];
  }
}
