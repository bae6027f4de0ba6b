import { Logger } from '@nestjs/common';
import { DefaultLogger, type LogEntry, type LogLevel } from '@temporalio/worker';

const NEST_METHOD: Record<LogLevel, 'verbose' | 'debug' | 'log' | 'warn' | 'error'> = {
  TRACE: 'verbose',
  DEBUG: 'debug',
  INFO: 'log',
  WARN: 'warn',
  ERROR: 'error',
};

/** The SDK's metadata keys worth a field of their own, by ECS-style name; the rest (task tokens…) is dropped. */
const FIELDS: Record<string, string> = {
  trace_id: 'trace.id',
  span_id: 'span.id',
  'order.id': 'order.id',
  workflowId: 'workflow.id',
  workflowType: 'workflow.type',
  runId: 'workflow.run_id',
  activityType: 'activity.type',
  activityId: 'activity.id',
  attempt: 'temporal.attempt',
  taskQueue: 'temporal.task_queue',
  namespace: 'temporal.namespace',
  sdkComponent: 'temporal.component',
  outcome: 'order.outcome',
  failureReason: 'order.failure_reason',
};

/** One SDK log entry as the fields of an application log line. */
export function temporalLogFields(entry: LogEntry): Record<string, unknown> {
  const meta = (entry.meta ?? {}) as Record<string, unknown>;
  const fields: Record<string, unknown> = { message: entry.message };
  for (const [key, field] of Object.entries(FIELDS)) if (meta[key] !== undefined) fields[field] = meta[key];
  const error = meta.error ?? meta.failure;
  if (error instanceof Error) {
    fields['error.type'] = error.name;
    fields['error.message'] = error.message;
  } else if (error !== undefined) {
    fields['error.message'] = typeof error === 'string' ? error : JSON.stringify(error);
  }
  return fields;
}

/**
 * The Temporal runtime's logger: the SDK's own lines and the workflow logger (`log` from
 * @temporalio/workflow, whose lines carry the workflow span's `trace_id`/`span_id` through the OpenTelemetry
 * interceptors) written through the application's logger, as ECS JSON with `trace.id`/`span.id`, shipped
 * and redacted like every other line.
 */
export function temporalLogBridge(level: LogLevel): DefaultLogger {
  const logger = new Logger('Temporal');
  return new DefaultLogger(level, (entry) => logger[NEST_METHOD[entry.level]](temporalLogFields(entry)));
}
