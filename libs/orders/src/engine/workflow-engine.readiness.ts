import { ReadinessChecks } from '@app/observability';
import { Inject, Injectable, Optional, type OnModuleInit } from '@nestjs/common';
import { WORKFLOW_ENGINE, type WorkflowEngine } from './workflow-engine.port';

/**
 * Readiness includes the workflow engine: orders cannot start without it. Temporal is down when its
 * frontend does not answer; the inline engine, once another process took its lease (it then refuses
 * orders, and the load balancer should send them elsewhere).
 */
@Injectable()
export class WorkflowEngineReadiness implements OnModuleInit {
  constructor(
    @Inject(WORKFLOW_ENGINE) private readonly engine: WorkflowEngine,
    @Optional() private readonly readiness?: ReadinessChecks,
  ) {}

  onModuleInit(): void {
    const engine = this.engine;
    const key = engine.kind === 'inline' ? 'inline_engine' : 'temporal';
    this.readiness?.register(engine.kind, async () => {
      const result = await engine.ping();
      return { [key]: result.ok ? { status: 'up' } : { status: 'down', message: result.message } };
    });
  }
}
