import { OrderSagaActivitiesService, SagaStepTelemetry } from '@app/orders';
import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type OnModuleInit,
  Optional,
} from '@nestjs/common';
import { NativeConnection, Worker, type State } from '@temporalio/worker';
import { registerOrderSearchAttributes } from './search-attributes';
import { ReadinessChecks } from '@app/observability';
import { activityTelemetryInterceptors } from './activity-telemetry.interceptor';
import { domainFailureInterceptors } from './domain-failure.interceptor';
import { createOrderActivities } from './order-activities.factory';
import { installTemporalRuntime } from './temporal-runtime';
import { TEMPORAL_WORKER_OPTIONS, type TemporalWorkerOptions } from './temporal-worker.options';
import { resolveWorkflowCode } from './workflow-code';
import { tracingActivityInterceptors, workflowTracingSinks } from './workflow-tracing';

export type WorkerState = State | 'NOT_STARTED';

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * Runs the Temporal Worker of the order saga inside the Nest application: it starts polling once the
 * app has bootstrapped, and on shutdown drains (in-flight activities get `shutdownGraceMs` to finish)
 * before Nest closes the database pool the activities use.
 */
@Injectable()
export class TemporalWorkerService
  implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown
{
  private readonly logger = new Logger(TemporalWorkerService.name);
  private connection?: NativeConnection;
  private worker?: Worker;
  private running?: Promise<void>;
  private stopRequested = false;

  constructor(
    @Inject(TEMPORAL_WORKER_OPTIONS) private readonly options: TemporalWorkerOptions,
    private readonly activities: OrderSagaActivitiesService,
    private readonly steps: SagaStepTelemetry,
    @Optional() private readonly readiness?: ReadinessChecks,
  ) {}

  /** Ready while the worker polls its task queue. */
  onModuleInit(): void {
    this.readiness?.register('temporal_worker', async () => ({
      temporal_worker: { status: this.isRunning() ? 'up' : 'down', state: this.state() },
    }));
  }

  state(): WorkerState {
    return this.worker?.getState() ?? 'NOT_STARTED';
  }

  isRunning(): boolean {
    return this.state() === 'RUNNING';
  }

  async onApplicationBootstrap(): Promise<void> {
    const { address, namespace, taskQueue } = this.options;
    installTemporalRuntime(this.options.logLevel, this.options.sdkMetricsAddress);
    this.connection = await NativeConnection.connect({ address }).catch((error: unknown) => {
      throw new Error(`Cannot connect to Temporal at ${address}: ${messageOf(error)}`, { cause: error });
    });
    try {
      const registered = await registerOrderSearchAttributes(this.connection.operatorService, namespace);
      if (registered.length > 0)
        this.logger.log(`registered search attributes ${registered.join(', ')} on namespace "${namespace}"`);
      const { workflowModules, ...workflowCode } = resolveWorkflowCode(this.options.workflowsPath);
      this.worker = await Worker.create({
        connection: this.connection,
        namespace,
        taskQueue,
        ...workflowCode,
        activities: createOrderActivities(this.activities),
        interceptors: {
          // Outermost first: each attempt's telemetry sees its own error; whether the step is tried
          // again (and its failure's type) is decided around it, as the inline engine does.
          activity: [
            tracingActivityInterceptors,
            domainFailureInterceptors({ infrastructureRetryMs: this.options.infrastructureRetryMs }),
            activityTelemetryInterceptors(this.steps),
          ],
          workflowModules,
        },
        sinks: workflowTracingSinks(),
        maxConcurrentActivityTaskExecutions: this.options.maxConcurrentActivities,
        shutdownGraceTime: this.options.shutdownGraceMs,
      });
    } catch (error) {
      await this.connection.close();
      throw error;
    }
    // Not awaited: run() settles only when the worker stops. Kept so shutdown can wait for the drain.
    this.running = this.worker.run().then(
      () => {
        if (!this.stopRequested) this.fatal(new Error('Temporal worker stopped without being asked to'));
      },
      (error: unknown) => {
        if (this.stopRequested)
          this.logger.error(`Temporal worker failed while shutting down: ${messageOf(error)}`);
        else this.fatal(error);
      },
    );
    this.logger.log(
      `Temporal worker polling task queue "${taskQueue}" in namespace "${namespace}" at ${address}`,
    );
  }

  /** Runs before any onApplicationShutdown hook, so the database is still open while activities finish. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopRequested = true;
    if (!this.worker || !this.running) return;
    if (this.worker.getState() === 'RUNNING') {
      this.logger.log(`Draining Temporal worker (grace ${this.options.shutdownGraceMs} ms)`);
      this.worker.shutdown();
    }
    await this.running;
    this.logger.log(`Temporal worker ${this.worker.getState().toLowerCase()}`);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.connection?.close();
    this.connection = undefined;
  }

  private fatal(error: unknown): void {
    this.logger.fatal(
      `Temporal worker failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
    if (this.options.onFatalError) this.options.onFatalError(error);
    else process.exit(1);
  }
}
