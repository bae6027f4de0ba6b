export const WORKFLOW_ENGINE = Symbol('WORKFLOW_ENGINE');

/** Runs the order saga: in-process (inline) or on Temporal. Both calls are idempotent per order. */
export interface WorkflowEngine {
  readonly kind: 'inline' | 'temporal';
  /** Starts the saga of an order unless it is already running. */
  start(orderId: string): Promise<void>;
  /** Tells a running saga to stop and compensate; starts it first when it is not running. */
  requestCancellation(orderId: string): Promise<void>;
  /** Whether the engine can take orders now (for readiness); the inline engine, unless another process took its lease. */
  ping(): Promise<{ ok: true } | { ok: false; message: string }>;
  /** Resolves once the sagas this process runs have finished (none with Temporal: the worker runs them). */
  whenIdle(): Promise<void>;
}
