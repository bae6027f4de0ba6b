import { startAppProcess, type AppProcess } from '../../../../test/support/app-process';

export type ApiProcess = AppProcess;

/**
 * Starts the API's real entry point (`apps/api/src/main.ts`) in a child `node` process and resolves once
 * it logs the address it listens on.
 */
export function startApiProcess(env: Record<string, string>, timeoutMs = 60_000): Promise<ApiProcess> {
  return startAppProcess(
    'apps/api/src/main.ts',
    /listening on (http:\/\/[^\s),]+)/,
    {
      HOST: '127.0.0.1',
      PORT: '0',
      METRICS_PORT: '0',
      LOG_LEVEL: 'info', // the harness reads the address from the `listening on` line
      SHUTDOWN_READINESS_DRAIN_MS: '300',
      PAYMENT_SIM_LATENCY_MS: '5',
      CARRIER_SIM_LATENCY_MS: '5',
      ...env,
    },
    timeoutMs,
  );
}
