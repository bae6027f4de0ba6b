import { existsSync } from 'node:fs';
import path from 'node:path';
import type { WorkerOptions } from '@temporalio/worker';

/** Workflow interceptors bundled with the workflow code: trace context flows from client to activities. */
export const WORKFLOW_INTERCEPTOR_MODULES = [
  require.resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors'),
];

/** Written by scripts/bundle-workflows.js next to the compiled main.js. */
export const WORKFLOW_BUNDLE_FILE = 'workflow-bundle.js';

/** The saga's workflow entry file, relative to the repository root. */
export const DEFAULT_WORKFLOWS_PATH = 'libs/order-saga/src/workflows.ts';

/**
 * Where the Worker gets its workflow code: the prebuilt bundle when the build produced one (fast start,
 * no webpack at run time), else the source entry file, bundled by the Worker when it is created.
 */
export function resolveWorkflowCode(
  workflowsPath: string | undefined,
  bundleDir: string = __dirname,
): Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath' | 'bundlerOptions'> & {
  workflowModules: string[];
} {
  const codePath = path.join(bundleDir, WORKFLOW_BUNDLE_FILE);
  // A prebuilt bundle already contains the interceptor modules (scripts/bundle-workflows.js).
  if (existsSync(codePath)) return { workflowBundle: { codePath }, workflowModules: [] };
  return {
    workflowsPath: path.resolve(process.cwd(), workflowsPath ?? DEFAULT_WORKFLOWS_PATH),
    workflowModules: WORKFLOW_INTERCEPTOR_MODULES,
  };
}
