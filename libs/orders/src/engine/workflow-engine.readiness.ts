import { ReadinessChecks } from '@app/observability';
import { Inject, Injectable, Optional, type OnModuleInit } from '@nestjs/common';
import { WORKFLOW_ENGINE, type WorkflowEngine } from './workflow-engine.port';

/** With Temporal configured, readiness includes it: orders cannot start without the workflow service. */
@Injectable()
export class WorkflowEngineReadiness implements OnModuleInit {
  constructor(
    @Inject(WORKFLOW_ENGINE) private readonly engine: WorkflowEngine,
    @Optional() private readonly readiness?: ReadinessChecks,
  ) {}

  onModuleInit(): void {
    const engine = this.engine;
    if (engine.kind === 'inline') return; // runs in this process: up whenever the process is
    this.readiness?.register(engine.kind, async () => {
      const result = await engine.ping();
      return { temporal: result.ok ? { status: 'up' } : { status: 'down', message: result.message } };
    });
  }
}
