import { spawn, type ChildProcess } from 'node:child_process';
import { waitFor } from './wait-for';

export interface ServerProcess {
  child: ChildProcess;
  /** SIGTERM, then waits for the exit (SIGKILL after 5 s), so its files can be removed safely. */
  stop(): Promise<void>;
}

/**
 * Starts a real server binary (Prometheus, Alertmanager, Pushgateway, exporters) and, when `readyUrl` is
 * given, resolves once it answers 200 there.
 */
export async function startServerProcess(
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; readyUrl?: string; timeoutMs?: number } = {},
): Promise<ServerProcess> {
  const child = spawn(command, args, { env: { PATH: process.env.PATH, ...options.env }, stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(killer);
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
    ).catch(async (error: unknown) => {
      await stop();
      throw error;
    });
  }
  return { child, stop };
}
