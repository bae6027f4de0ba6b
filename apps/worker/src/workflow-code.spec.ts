import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  DEFAULT_WORKFLOWS_PATH,
  resolveWorkflowCode,
  WORKFLOW_BUNDLE_FILE,
  WORKFLOW_INTERCEPTOR_MODULES,
} from './workflow-code';

describe('resolveWorkflowCode', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'worker-dist-'));
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('uses the prebuilt bundle when it sits next to the compiled worker', () => {
    writeFileSync(path.join(dir, WORKFLOW_BUNDLE_FILE), '');
    expect(resolveWorkflowCode(undefined, dir)).toEqual({
      workflowBundle: { codePath: path.join(dir, WORKFLOW_BUNDLE_FILE) },
      workflowModules: [], // already inside the prebuilt bundle
    });
  });

  it('falls back to the order-saga entry file, resolved from the working directory', () => {
    expect(resolveWorkflowCode(undefined, dir)).toEqual({
      workflowsPath: path.resolve(DEFAULT_WORKFLOWS_PATH),
      workflowModules: WORKFLOW_INTERCEPTOR_MODULES,
    });
  });

  it('honours an explicit workflows path', () => {
    expect(resolveWorkflowCode('/srv/app/workflows.ts', dir)).toEqual({
      workflowsPath: '/srv/app/workflows.ts',
      workflowModules: WORKFLOW_INTERCEPTOR_MODULES,
    });
    expect(WORKFLOW_INTERCEPTOR_MODULES[0]).toMatch(
      /interceptors-opentelemetry\/lib\/workflow-interceptors\.js$/,
    );
  });
});
