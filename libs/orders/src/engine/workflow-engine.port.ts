import type { OrderSagaProgress } from '@app/order-saga';
import type { OrderStatus } from '../order-status';

export const WORKFLOW_ENGINE = Symbol('WORKFLOW_ENGINE');

/** An order as an engine starts (or restarts) its saga: the workflow's search attributes come from it. */
export interface OrderToRun {
  id: string;
  customerId: string;
  /** In minor units. */
  total: number;
  status: OrderStatus;
  statusChangedAt: Date;
}

/** Whether a resume started the saga again or found it still running. */
export type ResumeOutcome = 'started' | 'already-running';

/** Where an order's saga runs, as operators see it. */
export type SagaExecution =
  | { engine: 'inline'; running: boolean }
  | {
      engine: 'temporal';
      workflowId: string;
      /** The latest run; null when Temporal has no such workflow (deleted, never started) or is unreachable. */
      runId: string | null;
      /** Temporal's execution status (RUNNING, COMPLETED, TERMINATED, …), NOT_FOUND, or UNAVAILABLE. */
      status: string;
    };

/** Runs the order saga: in-process (inline) or on Temporal. Both calls are idempotent per order. */
export interface WorkflowEngine {
  readonly kind: 'inline' | 'temporal';
  /** Starts the saga of an order unless it is already running. */
  start(order: OrderToRun): Promise<void>;
  /**
   * Drives an unfinished order again from its recorded state: the steps it completed are not run again.
   * A saga that is gone (terminated, timed out, deleted, or the process that ran it stopped) starts anew;
   * one still running is left to run.
   */
  resume(order: OrderToRun): Promise<ResumeOutcome>;
  /** Tells a running saga to stop and compensate; starts it first when it is not running. */
  requestCancellation(orderId: string): Promise<void>;
  /** Where the order's saga runs and in what state. */
  describe(orderId: string): Promise<SagaExecution>;
  /** Whether the engine can take orders now (for readiness); the inline engine, unless another process took its lease. */
  ping(): Promise<{ ok: true } | { ok: false; message: string }>;
  /** Resolves once the sagas this process runs have finished (none with Temporal: the worker runs them). */
  whenIdle(): Promise<void>;
}

/** The step a resumed saga picks up after: the forward steps an order in `status` has completed. */
export function resumePointOf(status: OrderStatus): OrderSagaProgress | undefined {
  return status === 'INVENTORY_RESERVED' || status === 'PAID' || status === 'SHIPPED' ? status : undefined;
}
