import { startAppProcess, type AppProcess } from '../../../../test/support/app-process';

export type WorkerProcess = AppProcess;

/**
 * Starts the worker's real entry point (`apps/worker/src/main.ts`) in a child `node` process and resolves
 * once its management port listens, which is after the Temporal worker started polling.
 */
export function startWorkerProcess(env: Record<string, string>, timeoutMs = 90_000): Promise<WorkerProcess> {
  return startAppProcess(
    'apps/worker/src/main.ts',
    /management endpoints on (http:\/\/[^\s)]+)/,
    {
      METRICS_PORT: '0',
      TEMPORAL_METRICS_PORT: '0',
      LOG_LEVEL: 'info',
      SHUTDOWN_READINESS_DRAIN_MS: '300',
      PAYMENT_SIM_LATENCY_MS: '5',
      CARRIER_SIM_LATENCY_MS: '5',
      ...env,
    },
    timeoutMs,
  );
}
