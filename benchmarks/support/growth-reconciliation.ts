import { launchTypeScript, type LaunchedProcess } from '../../tooling/processes';
import type { RunnerMessage, RunnerRequest } from './growth-reconciliation-runner';
import { benchChild, type Teardown } from './teardown';

/** One reconciliation run: how long it took and what it did. */
export interface ReconciliationRun {
  ms: number;
  examined: number;
  resolved: number;
  unresolved: number;
}

export interface ReconciliationJob {
  /** How long the job's application took to start (once; each run of the CronJob pays it too). */
  bootMs: number;
  run(): Promise<ReconciliationRun>;
}

/**
 * Starts the jobs app's reconciliation in a child process (`growth-reconciliation-runner.ts`) with `env`
 * (DATABASE_URL and the job's settings, as the CronJob passes them); stopped by `teardown`.
 */
export async function startReconciliationJob(
  env: Record<string, string>,
  teardown: Teardown,
): Promise<ReconciliationJob> {
  const runner = launchTypeScript('benchmarks/support/growth-reconciliation-runner.ts', {
    env,
    ipc: true,
    ...benchChild(teardown),
    name: 'the reconciliation job',
  });
  teardown.defer('stop the reconciliation job', async () => {
    if (runner.hasExited() || !runner.child.connected) return;
    runner.child.send({ type: 'stop' } satisfies RunnerRequest);
    // It closes its connections and flushes its spans; after that, `benchChild`'s stop signals it.
    await Promise.race([runner.exited, new Promise((resolve) => setTimeout(resolve, 5_000).unref())]);
  });
  const ready = await nextMessage(runner, 'ready', 180_000);
  return {
    bootMs: ready.bootMs,
    async run() {
      const answer = nextMessage(runner, 'ran', 600_000);
      runner.child.send({ type: 'run' } satisfies RunnerRequest);
      const { ms, examined, resolved, unresolved } = await answer;
      return { ms, examined, resolved, unresolved };
    },
  };
}

function nextMessage<T extends RunnerMessage['type']>(
  runner: LaunchedProcess,
  type: T,
  timeoutMs: number,
): Promise<Extract<RunnerMessage, { type: T }>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(
        new Error(`no "${type}" from the reconciliation job within ${timeoutMs} ms:\n${runner.output()}`),
      );
    }, timeoutMs);
    const onMessage = (message: RunnerMessage) => {
      if (message.type === 'failed') {
        cleanup();
        reject(new Error(`the reconciliation run failed: ${message.error}`));
      } else if (message.type === type) {
        cleanup();
        resolve(message as Extract<RunnerMessage, { type: T }>);
      }
    };
    const onExit = () => {
      cleanup();
      reject(new Error(`the reconciliation job exited:\n${runner.output()}`));
    };
    const cleanup = () => {
      clearTimeout(timer);
      runner.child.off('message', onMessage);
      runner.child.off('exit', onExit);
    };
    runner.child.on('message', onMessage);
    runner.child.on('exit', onExit);
  });
}
