import { closeSync, openSync, statSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawnTypeScript, waitUntilReady, type Child } from './child-process';
import { freePort } from './ports';
import type { Teardown } from './teardown';

export const API_MAIN = 'apps/api/src/main.ts';

/**
 * `on`: metrics served on METRICS_PORT, every request traced and exported over OTLP/HTTP, logs at `info`
 * written to a file. `off`: `METRICS_ENABLED=false`, `OTEL_SDK_DISABLED=true`, `LOG_LEVEL=silent`.
 */
export type ObservabilityProfile = { kind: 'on'; otlpEndpoint: string } | { kind: 'off' };

export interface ApiProcess {
  baseUrl: string;
  metricsUrl: string;
  metricsPort: number;
  child: Child;
  /** Bytes the API has logged so far (0 when logs are off). */
  logBytes(): number;
  stop(): Promise<void>;
}

/**
 * The API's real entry point in a child process, on `databaseUrl`, with the simulated payment provider and
 * carrier answering at once (the application and the database are what is measured). Ready when
 * `/health/ready` answers 200, which works whatever the log level.
 */
export async function startApi(
  options: {
    name: string;
    databaseUrl: string;
    observability: ObservabilityProfile;
    /** The local signing key the bench's tokens are signed with (`benchKeys`). */
    keyFile: string;
    env?: Record<string, string>;
  },
  teardown: Teardown,
): Promise<ApiProcess> {
  const [port, metricsPort] = [await freePort(), await freePort()];
  const on = options.observability.kind === 'on';
  const logFile = on ? path.join(tmpdir(), `orders-bench-${process.pid}-${options.name}.log`) : undefined;
  const logFd = logFile ? openSync(logFile, 'w') : undefined;
  if (logFile && logFd !== undefined)
    teardown.defer(`remove ${logFile}`, () => {
      closeSync(logFd);
      unlinkSync(logFile);
    });
  const observabilityEnv: Record<string, string> =
    options.observability.kind === 'on'
      ? {
          METRICS_ENABLED: 'true',
          OTEL_TRACES_SAMPLER: 'always_on',
          OTEL_EXPORTER_OTLP_ENDPOINT: options.observability.otlpEndpoint,
          LOG_LEVEL: 'info',
        }
      : { METRICS_ENABLED: 'false', OTEL_SDK_DISABLED: 'true', LOG_LEVEL: 'silent' };
  const child = spawnTypeScript(
    API_MAIN,
    {
      env: {
        HOST: '127.0.0.1',
        PORT: String(port),
        METRICS_PORT: String(metricsPort),
        DATABASE_URL: options.databaseUrl,
        PAYMENT_SIM_LATENCY_MS: '0',
        CARRIER_SIM_LATENCY_MS: '0',
        SHUTDOWN_READINESS_DRAIN_MS: '0',
        // Several APIs may share one database: none picks up another's unfinished orders, and none
        // takes the inline engine's lease (which would refuse the second).
        INLINE_RESUME_ON_START: 'false',
        INLINE_ENGINE_EXCLUSIVE: 'false',
        OTEL_SERVICE_NAME: `orders-api-bench-${options.name}`,
        AUTH_LOCAL_KEY_FILE: options.keyFile,
        // Measured (every POST /orders is counted), never reached: benchmarks place orders by thousands.
        ORDER_RATE_LIMIT_PER_MINUTE: '1000000',
        ...observabilityEnv,
        ...options.env,
      },
      stdout: logFd ?? 'ignore',
    },
    teardown,
  );
  const baseUrl = `http://127.0.0.1:${port}`;
  await waitUntilReady(child, `${baseUrl}/health/ready`);
  return {
    baseUrl,
    metricsPort,
    metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
    child,
    logBytes: () => (logFile ? statSync(logFile).size : 0),
    stop: () => child.stop(),
  };
}
