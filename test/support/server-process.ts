import { spawn, type ChildProcess } from 'node:child_process';
import { waitFor } from './wait-for';

export interface ServerProcess {
  child: ChildProcess;
  stop(): void;
}

/**
 * Starts a real server binary (Prometheus, Alertmanager, Pushgateway, exporters) and, when `readyUrl` is
 * given, resolves once it answers 200 there. `stop()` sends SIGTERM.
 */
export async function startServerProcess(
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; readyUrl?: string; timeoutMs?: number } = {},
): Promise<ServerProcess> {
  const child = spawn(command, args, { env: { PATH: process.env.PATH, ...options.env }, stdio: 'ignore' });
  const stop = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  };
  if (options.readyUrl) {
    const url = options.readyUrl;
    await waitFor(
      () =>
        fetch(url).then(
          (r) => r.status,
          () => 0,
        ),
      (status) => status === 200,
      options.timeoutMs ?? 30_000,
      200,
    ).catch((error: unknown) => {
      stop();
      throw error;
    });
  }
  return { child, stop };
}
