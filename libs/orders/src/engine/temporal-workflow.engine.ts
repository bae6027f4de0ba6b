import {
  cancelOrderSignal,
  orderSagaWorkflow,
  orderSearchAttributes,
  orderWorkflowId,
  type OrderSagaInput,
} from '@app/order-saga';
import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry';
import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy } from '@temporalio/common';
import { WorkflowEngineUnavailableError } from '../orders.errors';
import {
  resumePointOf,
  type OrderToRun,
  type ResumeOutcome,
  type SagaExecution,
  type WorkflowEngine,
} from './workflow-engine.port';

export interface TemporalEngineOptions {
  /** Frontend address, `host:port`. */
  address: string;
  /** @default 'default' */
  namespace?: string;
  /** @default 'orders' */
  taskQueue?: string;
  /**
   * Deadline of each call to Temporal, in milliseconds: an unreachable server answers the HTTP request
   * quickly (503) instead of after the client's own retries (~20 s).
   * @default 5000
   */
  callTimeoutMs?: number;
}

/** Starts one Temporal workflow per order (id derived from the order id) and signals cancellations. */
export class TemporalWorkflowEngine implements WorkflowEngine, OnApplicationShutdown {
  readonly kind = 'temporal' as const;
  private readonly connection: Connection;
  private readonly client: Client;
  private readonly taskQueue: string;
  private readonly callTimeoutMs: number;
  private readonly namespace: string;
  private readonly logger = new Logger(TemporalWorkflowEngine.name);
  private warnedUnregistered = false;

  constructor(options: TemporalEngineOptions) {
    this.connection = Connection.lazy({ address: options.address });
    this.client = new Client({
      connection: this.connection,
      namespace: options.namespace ?? 'default',
      // Carries the trace context into the workflow, so one trace runs from POST /orders through every activity.
      interceptors: { workflow: [new OpenTelemetryWorkflowClientInterceptor()] },
    });
    this.taskQueue = options.taskQueue ?? 'orders';
    this.namespace = options.namespace ?? 'default';
    this.callTimeoutMs = options.callTimeoutMs ?? 5_000;
  }

  private withDeadline<T>(call: () => Promise<T>): Promise<T> {
    return this.client.withDeadline(Date.now() + this.callTimeoutMs, call);
  }

  /**
   * Starts the order's workflow with its search attributes. A workflow of that id that exists, running or
   * closed, is left alone (REJECT_DUPLICATE): a repeated start never runs a finished saga again.
   */
  async start(order: OrderToRun): Promise<void> {
    try {
      await this.startWorkflow(order, { orderId: order.id }, WorkflowIdReusePolicy.REJECT_DUPLICATE);
    } catch (error) {
      if (error instanceof WorkflowExecutionAlreadyStartedError) return;
      throw new WorkflowEngineUnavailableError(order.id, { cause: error });
    }
  }

  /**
   * Starts a new run of the order's workflow from its recorded state when the previous run is closed
   * (completed, failed, terminated, timed out) or gone (ALLOW_DUPLICATE allows exactly that); a running
   * workflow refuses the start, and is left to run.
   */
  async resume(order: OrderToRun): Promise<ResumeOutcome> {
    try {
      await this.startWorkflow(
        order,
        { orderId: order.id, resumeFrom: resumePointOf(order.status) },
        WorkflowIdReusePolicy.ALLOW_DUPLICATE,
      );
      return 'started';
    } catch (error) {
      if (error instanceof WorkflowExecutionAlreadyStartedError) return 'already-running';
      throw new WorkflowEngineUnavailableError(order.id, { cause: error });
    }
  }

  /** The latest run of the order's workflow; NOT_FOUND or UNAVAILABLE instead of failing the caller. */
  async describe(orderId: string): Promise<SagaExecution> {
    const workflowId = orderWorkflowId(orderId);
    try {
      const description = await this.withDeadline(() =>
        this.client.workflow.getHandle(workflowId).describe(),
      );
      return {
        engine: 'temporal',
        workflowId,
        runId: description.runId,
        status: description.status.name,
      };
    } catch (error) {
      const status = error instanceof WorkflowNotFoundError ? 'NOT_FOUND' : 'UNAVAILABLE';
      return { engine: 'temporal', workflowId, runId: null, status };
    }
  }

  /**
   * Starts the workflow with the order's search attributes. A namespace where no worker has registered
   * them yet refuses them: the order is still started without them (it must not be refused for that), and
   * the worker, which registers them before it polls, keeps the status attributes current from then on.
   */
  private async startWorkflow(
    order: OrderToRun,
    input: OrderSagaInput,
    workflowIdReusePolicy: WorkflowIdReusePolicy,
  ): Promise<void> {
    const start = (withAttributes: boolean) =>
      this.withDeadline(() =>
        this.client.workflow.start(orderSagaWorkflow, {
          taskQueue: this.taskQueue,
          workflowId: orderWorkflowId(order.id),
          args: [input],
          workflowIdReusePolicy,
          ...(withAttributes ? { typedSearchAttributes: orderSearchAttributes(order) } : {}),
        }),
      );
    try {
      await start(true);
    } catch (error) {
      if (!isUnregisteredSearchAttribute(error)) throw error;
      if (!this.warnedUnregistered) {
        this.warnedUnregistered = true;
        this.logger.warn(
          `namespace "${this.namespace}" lacks the order search attributes: workflows start without them until a worker registers them (docs/operations.md)`,
        );
      }
      await start(false);
    }
  }

  async requestCancellation(orderId: string): Promise<void> {
    try {
      await this.withDeadline(() =>
        this.client.workflow.signalWithStart(orderSagaWorkflow, {
          taskQueue: this.taskQueue,
          workflowId: orderWorkflowId(orderId),
          args: [{ orderId }],
          signal: cancelOrderSignal,
          signalArgs: [],
          workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        }),
      );
    } catch (error) {
      throw new WorkflowEngineUnavailableError(orderId, { cause: error });
    }
  }

  /** Sagas run on the workers: nothing of theirs runs in this process. */
  async whenIdle(): Promise<void> {}

  /** Readiness: the Temporal frontend answers its health service within the call deadline. */
  async ping(): Promise<{ ok: true } | { ok: false; message: string }> {
    try {
      await this.withDeadline(() => this.connection.healthService.check({}));
      return { ok: true };
    } catch (error) {
      return { ok: false, message: error instanceof Error ? error.message : String(error) };
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.connection.close();
  }
}

/** gRPC's INVALID_ARGUMENT status code. */
const INVALID_ARGUMENT = 3;

/** Temporal's refusal of a search attribute the namespace does not define (INVALID_ARGUMENT). */
function isUnregisteredSearchAttribute(error: unknown): boolean {
  for (let cause = error; cause instanceof Error; cause = cause.cause) {
    if ((cause as { code?: unknown }).code === INVALID_ARGUMENT && /search attribute/i.test(cause.message))
      return true;
  }
  return false;
}
