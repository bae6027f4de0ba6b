import path from 'node:path';
import { bundleWorkflowCode, type Logger } from '@temporalio/worker';
import { DEFAULT_WORKFLOWS_PATH } from '../src/workflow-code';
import { REPO_ROOT } from '../../../tooling/repo-root';

/** Keeps webpack's output (it explains why a bundle failed) instead of printing it. */
function recordingLogger(): Logger & { errors: string[] } {
  const errors: string[] = [];
  const ignore = () => undefined;
  return {
    errors,
    log: (level, message) => (level === 'ERROR' ? errors.push(message) : undefined),
    trace: ignore,
    debug: ignore,
    info: ignore,
    warn: (message) => errors.push(message),
    error: (message) => errors.push(message),
  };
}

describe('workflow bundle (bundleWorkflowCode, as scripts/bundle-workflows.js and Worker.create run it)', () => {
  it('bundles libs/order-saga/src/workflows.ts with no module ignored, exporting orderSagaWorkflow', async () => {
    const logger = recordingLogger();
    const { code } = await bundleWorkflowCode({
      workflowsPath: path.join(REPO_ROOT, DEFAULT_WORKFLOWS_PATH),
      ignoreModules: [],
      logger,
    });

    expect(logger.errors).toEqual([]);
    expect(code).toContain('orderSagaWorkflow');
    // Activity implementations and their dependencies must stay out of the workflow sandbox.
    for (const serverOnly of ['@nestjs/', 'typeorm', 'node_modules/pg/', 'OrderSagaActivitiesService']) {
      expect(code).not.toContain(serverOnly);
    }
  });

  it('fails when workflow code imports a Node-only module (so the success above means something)', async () => {
    const workflowsPath = path.join(__dirname, 'fixtures/node-import.workflows.ts');

    await expect(bundleWorkflowCode({ workflowsPath, logger: recordingLogger() })).rejects.toThrow(
      /importing the following disallowed modules:\s*- 'fs'/,
    );
  });
});
