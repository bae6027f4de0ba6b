import { Controller, Get, HttpStatus, Inject, Res, ServiceUnavailableException } from '@nestjs/common';
import {
  HealthCheckService,
  MemoryHealthIndicator,
  type HealthCheckResult,
  type HealthIndicatorFunction,
} from '@nestjs/terminus';
import { RESOLVED_OPTIONS } from '../observability.constants';
import type { ResolvedObservabilityOptions } from '../observability.options';
import { EventLoopHealthIndicator } from './event-loop.health';
import { ReadinessChecks } from './readiness-checks';
import { ShutdownState } from './shutdown-state';

/** Fastify's reply and Express's response both have `status(code)`. */
interface ReplyLike {
  status(code: number): unknown;
}

/**
 * Readiness (`GET /health/ready`): whether the process can take work. Liveness, whether it can answer at
 * all, is a plain adapter route (`LivenessRoute`) that never depends on other systems.
 * Answers Terminus's own body (`status`, `info`, `error`, `details`) with 200 or 503, whatever
 * exception filters the application uses.
 */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly memory: MemoryHealthIndicator,
    private readonly eventLoop: EventLoopHealthIndicator,
    private readonly readiness: ReadinessChecks,
    private readonly shutdown: ShutdownState,
    @Inject(RESOLVED_OPTIONS) private readonly options: ResolvedObservabilityOptions,
  ) {}

  @Get('ready')
  ready(@Res({ passthrough: true }) reply: ReplyLike): Promise<HealthCheckResult> {
    if (this.shutdown.shuttingDown) {
      reply.status(HttpStatus.SERVICE_UNAVAILABLE);
      const down = { shutdown: { status: 'down' as const, since: this.shutdown.startedAt?.toISOString() } };
      return Promise.resolve({ status: 'error', info: {}, error: down, details: down });
    }
    const { eventLoopDelayThresholdMs, heapUsedThresholdBytes } = this.options.health;
    return this.run(
      [
        ...this.readiness.all(),
        () => this.eventLoop.check('event_loop', eventLoopDelayThresholdMs),
        () => this.memory.checkHeap('memory_heap', heapUsedThresholdBytes),
      ],
      reply,
    );
  }

  private async run(checks: HealthIndicatorFunction[], reply: ReplyLike): Promise<HealthCheckResult> {
    try {
      return await this.health.check(checks);
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      reply.status(HttpStatus.SERVICE_UNAVAILABLE);
      return error.getResponse() as HealthCheckResult;
    }
  }
}
