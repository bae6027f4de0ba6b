// Prebuilds the Temporal workflow bundle next to the compiled worker (dist/apps/worker/workflow-bundle.js),
// so the worker starts without running webpack. Run after `nest build worker`.
const fs = require('node:fs');
const path = require('node:path');
const { bundleWorkflowCode } = require('@temporalio/worker');

const root = path.resolve(__dirname, '..');
const workflowsPath = path.join(root, 'libs/order-saga/src/workflows.ts');
const outFile = path.join(root, 'dist/apps/worker/workflow-bundle.js');

async function main() {
  const { code } = await bundleWorkflowCode({ workflowsPath });
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
