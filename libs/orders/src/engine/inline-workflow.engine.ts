import {
  ORDER_SAGA_ACTIVITY_NAMES,
  ORDER_SAGA_ACTIVITY_OPTIONS,
  runOrderSaga,
  type OrderSagaActivities,
  type OrderSagaResult,
} from '@app/order-saga';
import { Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { annotateActiveSpan, OperationTelemetry } from '@app/observability';
import { In, type DataSource } from 'typeorm';
import { OrderEntity } from '../entities';
import { NON_TERMINAL_STATUSES } from '../order-status';
import { OrderSagaActivitiesService } from '../saga/order-saga-activities.service';
import { ORDER_SPAN_ATTRIBUTES, SAGA_TRACER } from '../saga/saga-tracing';
import type { SagaStepTelemetry } from '../saga/saga-step.telemetry';
import { EngineStoppedError, runWithRetry } from './activity-retry';
import type { WorkflowEngine } from './workflow-engine.port';

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
}

/**
 * Runs the shared order saga inside the API process, with the same activities and retry policy as the
 * Temporal workflow. Not durable: a saga interrupted by a crash is only picked up again when the process
 * restarts (activities are idempotent, so re-running from the first step is safe).
 */
export class InlineWorkflowEngine
  implements WorkflowEngine, OnApplicationBootstrap, BeforeApplicationShutdown
{
  readonly kind = 'inline' as const;
  private readonly logger = new Logger(InlineWorkflowEngine.name);
  private readonly runs = new Map<string, InlineRun>();
  private readonly stopping = new AbortController();
  private readonly activities: OrderSagaActivities;

  constructor(
    activities: OrderSagaActivitiesService,
    private readonly dataSource: DataSource,
    private readonly steps: SagaStepTelemetry,
    private readonly options: InlineEngineOptions = {},
  ) {
    this.activities = this.bindActivities(activities);
  }

  async start(orderId: string): Promise<void> {
    if (this.runs.has(orderId) || this.stopping.signal.aborted) return;
    const run: InlineRun = { cancellationRequested: false, done: Promise.resolve(undefined) };
    this.runs.set(orderId, run);
    // Started inside the request's context: the saga's spans join the trace of `POST /orders`.
    run.done = sagaTelemetry
      .run(
        { span: 'saga.orderFulfilment', attributes: { [ORDER_SPAN_ATTRIBUTES.orderId]: orderId } },
        async () => {
          const result = await runOrderSaga(
            { orderId },
            { activities: this.activities, isCancellationRequested: () => run.cancellationRequested },
          );
          annotateActiveSpan({
            'saga.outcome': result.outcome,
            ...(result.failureReason ? { [ORDER_SPAN_ATTRIBUTES.failureReason]: result.failureReason } : {}),
          });
          return result;
        },
      )
      .catch((error: unknown) => {
        if (error instanceof EngineStoppedError) {
          this.logger.warn(`saga of order ${orderId} stopped by shutdown; it resumes on the next start`);
        } else {
          this.logger.error(
            `saga of order ${orderId} ended without reaching a final state: ${String(error)}`,
          );
        }
        return undefined;
      })
      .finally(() => this.runs.delete(orderId));
  }

  async requestCancellation(orderId: string): Promise<void> {
    const run = this.runs.get(orderId);
    if (run) run.cancellationRequested = true;
    else await this.start(orderId); // the first activity sees the stored cancellation request
  }

  async ping(): Promise<{ ok: true }> {
    return { ok: true };
  }

  /** Resolves when every saga running now has finished. */
  async whenIdle(): Promise<void> {
    while (this.runs.size > 0) await Promise.all([...this.runs.values()].map((r) => r.done));
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.options.resumeOnStart === false) return;
    const unfinished = await this.dataSource
      .getRepository(OrderEntity)
      .find({ where: { status: In([...NON_TERMINAL_STATUSES]) }, select: { id: true } });
    if (unfinished.length > 0) this.logger.log(`resuming ${unfinished.length} unfinished order saga(s)`);
    for (const { id } of unfinished) await this.start(id);
  }

  /** Before connections close (they close in onApplicationShutdown): running sagas still need the database. */
  async beforeApplicationShutdown(): Promise<void> {
    if (this.runs.size === 0) return;
    const drain = this.whenIdle();
    const timeout = new Promise<'timeout'>((resolve) =>
      setTimeout(() => resolve('timeout'), this.options.drainTimeoutMs ?? 10_000).unref(),
    );
    if ((await Promise.race([drain, timeout])) === 'timeout') {
      this.stopping.abort();
      await drain;
    }
  }

  private bindActivities(activities: OrderSagaActivitiesService): OrderSagaActivities {
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
            (attempt, error) =>
              this.logger.warn(`${name}(${String(args[0])}) attempt ${attempt} failed: ${String(error)}`),
          ),
      ]),
    );
    return bound as unknown as OrderSagaActivities;
  }
}
