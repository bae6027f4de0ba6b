import type { LogLevelName } from './config/worker.config';

export const TEMPORAL_WORKER_OPTIONS = Symbol('TEMPORAL_WORKER_OPTIONS');

export interface TemporalWorkerOptions {
  /** Temporal frontend, `host:port`. */
  address: string;
  namespace: string;
  taskQueue: string;
  /** Activity tasks run at once by this process. */
  maxConcurrentActivities: number;
  /** How long in-flight activities may run after shutdown starts before they are cancelled, in ms. */
  shutdownGraceMs: number;
  /**
   * Workflow entry file, used when no prebuilt `workflow-bundle.js` sits next to the compiled worker.
   * @default '<cwd>/libs/order-saga/src/workflows.ts'
   */
  workflowsPath?: string;
  logLevel: LogLevelName;
  /**
   * How long a forward saga step retries infrastructure failures (database, network, its own timeout)
   * from its first attempt before the order fails with INFRASTRUCTURE_UNAVAILABLE, in ms.
   * @default 300000
   */
  infrastructureRetryMs?: number;
  /**
   * `host:port` where the Temporal SDK serves its own Prometheus metrics (workflow task latency, polls,
   * sticky cache…). `null`: not served.
   * @default '0.0.0.0:9466'
   */
  sdkMetricsAddress: string | null;
  /**
   * Called when the worker stops without being asked to (it no longer polls: the process is useless).
   * @default logs the error and exits the process with code 1, so the orchestrator restarts it
   */
  onFatalError?: (error: unknown) => void;
}
