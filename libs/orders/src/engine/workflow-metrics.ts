import type { Provider } from '@nestjs/common';
import { makeHistogramProvider } from '@app/observability';

/** Names and labels of the saga engines' metrics (both engines record the same ones). */
export const WORKFLOW_METRICS = {
  activityDuration: 'workflow_activity_duration_seconds',
  activityLabels: ['activity', 'outcome', 'engine'] as const,
} as const;

/** Duration and outcome of each workflow activity attempt, for every engine that runs activities. */
export const workflowMetricProviders: Provider[] = [
  makeHistogramProvider({
    name: WORKFLOW_METRICS.activityDuration,
    help: 'Workflow activity attempts: duration in seconds by activity, outcome (completed or failure type) and engine',
    labelNames: [...WORKFLOW_METRICS.activityLabels],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  }),
];
