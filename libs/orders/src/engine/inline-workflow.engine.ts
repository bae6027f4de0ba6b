import {
  isForwardStep,
  ORDER_SAGA_ACTIVITY_NAMES,
  ORDER_SAGA_ACTIVITY_OPTIONS,
  runOrderSaga,
  type OrderSagaActivities,
  type OrderSagaInput,
  type OrderSagaResult,
} from '@app/order-saga';
import { Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { annotateActiveSpan, OperationTelemetry } from '@app/observability';
import type { DataSource } from 'typeorm';
import { OrdersRepository, toRun } from '../orders.repository';
import { WorkflowEngineUnavailableError } from '../orders.errors';
import { OrderSagaActivitiesService } from '../saga/order-saga-activities.service';
import { ORDER_SPAN_ATTRIBUTES, SAGA_TRACER } from '../saga/saga-tracing';
import type { SagaStepTelemetry } from '../saga/saga-step.telemetry';
import { stepFailure } from '../saga/step-failure.policy';
import { EngineStoppedError, runWithRetry } from './activity-retry';
import { InlineEngineLease, type InlineEngineLeaseHolder } from './inline-engine.lease';
import {
  resumePointOf,
  type OrderToRun,
  type ResumeOutcome,
  type SagaExecution,
  type WorkflowEngine,
} from './workflow-engine.port';

/** The span of a whole saga run (its steps' spans are its children). */
const sagaTelemetry = new OperationTelemetry({ tracerName: SAGA_TRACER });

interface InlineRun {
  cancellationRequested: boolean;
  done: Promise<OrderSagaResult | undefined>;
}

export interface InlineEngineOptions {
  /** Re-run the saga of every unfinished order when the process starts. @default true */
  resumeOnStart?: boolean;
  /** How long shutdown waits for running sagas before stopping them, in milliseconds. @default 10000 */
  drainTimeoutMs?: number;
  /**
   * How long a forward step retries failures of the infrastructure (database, network, its own timeout)
   * from its first attempt before the order fails with INFRASTRUCTURE_UNAVAILABLE, in ms. @default 300000
   */
  infrastructureRetryMs?: number;
  /**
   * Take the `inlineEngine` advisory lease on start, so that a second process running the inline engine
   * on the same database refuses to start (every inline process resumes every unfinished order).
   * @default false (the API sets it; the reconciliation job runs only the orders it selects)
   */
  exclusive?: boolean;
  /** How often the lease is checked, and retaken after a database restart, in ms. @default 5000 */
  leaseCheckIntervalMs?: number;
}

/**
 * Runs the shared order saga inside the API process, with the same activities and retry policy as the
 * Temporal workflow. For one process only (a laptop, a demo, a single small instance): production runs
 * the Temporal engine, with as many API replicas and workers as it needs. Not durable: a saga interrupted
 * by a crash is picked up again when the process restarts (activities are idempotent, so re-running
 * from the first step is safe), which is why two inline processes on one database must not run together.
 */
export class InlineWorkflowEngine
  implements WorkflowEngine, OnApplicationBootstrap, BeforeApplicationShutdown
{
  readonly kind = 'inline' as const;
  private readonly logger = new Logger(InlineWorkflowEngine.name);
  private readonly runs = new Map<string, InlineRun>();
  private readonly stopping = new AbortController();
  private readonly activities: OrderSagaActivities;
  private readonly lease: InlineEngineLease | undefined;
  /** Set when another process took the lease: this one runs no saga any more. */
  private unavailable: string | undefined;

  constructor(
    activities: OrderSagaActivitiesService,
    private readonly dataSource: DataSource,
    private readonly steps: SagaStepTelemetry,
    private readonly options: InlineEngineOptions = {},
  ) {
    this.activities = this.bindActivities(activities);
    this.lease = options.exclusive
      ? new InlineEngineLease(dataSource, {
          checkIntervalMs: options.leaseCheckIntervalMs,
          onTakenOver: (holder) => this.yieldTo(holder),
        })
      : undefined;
  }

  async start(order: OrderToRun): Promise<void> {
    this.run(order.id, { orderId: order.id });
  }

  /** Runs the saga again from the order's recorded state, unless this process runs it already. */
  async resume(order: OrderToRun): Promise<ResumeOutcome> {
    if (this.runs.has(order.id)) return 'already-running';
    if (!this.run(order.id, { orderId: order.id, resumeFrom: resumePointOf(order.status) }))
      throw new WorkflowEngineUnavailableError(order.id); // shutting down: the next process resumes it
    return 'started';
  }

  async describe(orderId: string): Promise<SagaExecution> {
    return { engine: 'inline', running: this.runs.has(orderId) };
  }

  /** Runs the saga here unless it already runs; false when the process is stopping its sagas. */
  private run(orderId: string, input: OrderSagaInput): boolean {
    if (this.unavailable) throw new WorkflowEngineUnavailableError(orderId);
    if (this.stopping.signal.aborted) return false;
    if (this.runs.has(orderId)) return true;
    const run: InlineRun = { cancellationRequested: false, done: Promise.resolve(undefined) };
    this.runs.set(orderId, run);
    // Started inside the request's context: the saga's spans join the trace of `POST /orders`.
    run.done = sagaTelemetry
      .run(
        { span: 'saga.run', attributes: () => ({ [ORDER_SPAN_ATTRIBUTES.orderId]: orderId }) },
        async () => {
          const result = await runOrderSaga(input, {
            activities: this.activities,
            isCancellationRequested: () => run.cancellationRequested,
          });
          annotateActiveSpan(() => ({
            'saga.outcome': result.outcome,
            ...(result.failureReason ? { [ORDER_SPAN_ATTRIBUTES.failureReason]: result.failureReason } : {}),
          }));
          return result;
        },
      )
      .catch((error: unknown) => {
        if (error instanceof EngineStoppedError) {
          this.logger.warn(
            `saga of order ${orderId} stopped ${this.unavailable ? 'for the process holding the inline engine lease' : 'by shutdown; it resumes on the next start'}`,
          );
        } else {
          this.logger.error(
            `saga of order ${orderId} ended without reaching a final state: ${String(error)}`,
          );
        }
        return undefined;
      })
      .finally(() => this.runs.delete(orderId));
    return true;
  }

  async requestCancellation(orderId: string): Promise<void> {
    const run = this.runs.get(orderId);
    if (run) run.cancellationRequested = true;
    else this.run(orderId, { orderId }); // the first activity sees the stored cancellation request
  }

  /** Down only once another process took the lease: this one then refuses orders (readiness 503). */
  async ping(): Promise<{ ok: true } | { ok: false; message: string }> {
    return this.unavailable ? { ok: false, message: this.unavailable } : { ok: true };
  }

  /** Resolves when every saga running now has finished. */
  async whenIdle(): Promise<void> {
    while (this.runs.size > 0) await Promise.all([...this.runs.values()].map((r) => r.done));
  }

  /** Takes the lease before anything runs (start-up fails if another process holds it), then resumes. */
  async onApplicationBootstrap(): Promise<void> {
    await this.lease?.acquire();
    if (this.options.resumeOnStart === false) return;
    const unfinished = await new OrdersRepository(this.dataSource).unfinished();
    if (unfinished.length > 0) this.logger.log(`resuming ${unfinished.length} unfinished order saga(s)`);
    for (const order of unfinished) await this.resume(toRun(order));
  }

  /** Before connections close (they close in onApplicationShutdown): running sagas still need the database. */
  async beforeApplicationShutdown(): Promise<void> {
    if (this.runs.size > 0) {
      const drain = this.whenIdle();
      const timeout = new Promise<'timeout'>((resolve) =>
        setTimeout(() => resolve('timeout'), this.options.drainTimeoutMs ?? 10_000).unref(),
      );
      if ((await Promise.race([drain, timeout])) === 'timeout') {
        this.stopping.abort();
        await drain;
      }
    }
    await this.lease?.release(); // last: the next process may resume what did not finish
  }

  /**
   * Another process took the lease while this one had lost it (a database restart): it resumes every
   * unfinished order, these included, so this process stops its sagas at their next attempt and refuses
   * new orders (503, readiness down) rather than run them twice. Restarting it brings a clear refusal.
   */
  private yieldTo(holder: InlineEngineLeaseHolder): void {
    this.unavailable = `another process (${holder.applicationName}, PostgreSQL pid ${holder.pid}) took the inline engine lease; this one runs no saga`;
    this.logger.error(
      `${this.unavailable}: stopping ${this.runs.size} running saga(s). Run one inline process per database, or the Temporal engine for several replicas.`,
    );
    this.stopping.abort();
  }

  private bindActivities(activities: OrderSagaActivitiesService): OrderSagaActivities {
    const retry = { infrastructureRetryMs: this.options.infrastructureRetryMs };
    const bound = Object.fromEntries(
      ORDER_SAGA_ACTIVITY_NAMES.map((name) => [
        name,
        (...args: unknown[]) =>
          runWithRetry(
            () =>
              this.steps.run(name, 'inline', args[0], () =>
                (activities[name] as (...a: unknown[]) => Promise<unknown>).apply(activities, args),
              ),
            ORDER_SAGA_ACTIVITY_OPTIONS[name],
            this.stopping.signal,
            {
              // Forward steps decide when to stop (the Temporal worker's interceptor decides the same way).
              decide: isForwardStep(name)
                ? (error, attempt) => stepFailure(error, attempt, retry)
                : undefined,
              onRetry: (attempt, failure) =>
                this.logger.warn(`${name}(${String(args[0])}) attempt ${attempt} failed: ${String(failure)}`),
            },
          ),
      ]),
    );
    return bound as unknown as OrderSagaActivities;
  }
}
