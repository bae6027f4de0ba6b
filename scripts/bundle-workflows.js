// Prebuilds the Temporal workflow bundle next to the compiled worker (dist/apps/worker/workflow-bundle.js),
// so the worker starts without running webpack. Run after `nest build worker`.
const fs = require('node:fs');
const path = require('node:path');
const { bundleWorkflowCode } = require('@temporalio/worker');

// Traces the workflow itself (RunWorkflow / StartActivity spans), continuing the trace of the client that started it.
const WORKFLOW_INTERCEPTOR_MODULES = [
  require.resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors'),
];

const root = path.resolve(__dirname, '..');
const workflowsPath = path.join(root, 'libs/order-saga/src/workflows.ts');
// ORDERS_BUILD_DIR: the build's output folder instead of dist/ (as rspack.config.js).
const outFile = path.join(
  path.resolve(root, process.env.ORDERS_BUILD_DIR || 'dist'),
  'apps/worker/workflow-bundle.js',
);

async function main() {
  const { code } = await bundleWorkflowCode({
    workflowsPath,
    workflowInterceptorModules: WORKFLOW_INTERCEPTOR_MODULES,
  });
  fs.mkdirSync(path.dirname(outFile), { recursive: true });
  fs.writeFileSync(outFile, code);
  console.log(
    `workflow bundle written to ${path.relative(root, outFile)} (${(code.length / 1024).toFixed(0)} KiB)`,
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
