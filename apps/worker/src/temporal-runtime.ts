import { Logger } from '@nestjs/common';
import { IllegalStateError } from '@temporalio/common';
import { Runtime, type LogLevel } from '@temporalio/worker';
import type { LogLevelName } from './config/worker.config';
import { temporalLogBridge } from './temporal-log-bridge';

const TEMPORAL_LOG_LEVELS: Record<LogLevelName, LogLevel> = {
  fatal: 'ERROR',
  error: 'ERROR',
  warn: 'WARN',
  info: 'INFO',
  debug: 'DEBUG',
  trace: 'TRACE',
  silent: 'ERROR',
};

/**
 * Installs the process-wide Temporal runtime without its own signal handlers: Nest owns SIGTERM/SIGINT
 * and shuts the worker down itself (draining activities, then closing the database). The runtime is a
 * singleton created lazily by the first connection, so this must run before NativeConnection.connect.
 */
export function installTemporalRuntime(
  logLevel: LogLevelName,
  metricsAddress: string | null = null,
): Runtime {
  try {
    return Runtime.install({
      shutdownSignals: [],
      logger: temporalLogBridge(TEMPORAL_LOG_LEVELS[logLevel]),
      // The SDK's own metrics (task latencies, polls, cache) on their own port, in Prometheus format, named
      // by Prometheus conventions (`_total`, base unit suffix: `temporal_workflow_task_schedule_to_start_
      // latency_seconds`, which the workflows dashboard reads; without `unitSuffix` the name has no unit).
      telemetryOptions: metricsAddress
        ? {
            metrics: {
              prometheus: {
                bindAddress: metricsAddress,
                countersTotalSuffix: true,
                unitSuffix: true,
                useSecondsForDurations: true,
              },
            },
          }
        : undefined,
    });
  } catch (error) {
    if (!(error instanceof IllegalStateError)) throw error;
    // Already installed (a second app in the same process, e.g. in tests): keep the existing one.
    new Logger('TemporalRuntime').warn(`Temporal runtime already present, keeping it: ${error.message}`);
    return Runtime.instance();
  }
}
