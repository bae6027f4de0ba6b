import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '../..');

export interface AppProcess {
  child: ChildProcess;
  /** The address the process logged it listens on. */
  baseUrl: string;
  output(): string;
  /** Resolves with the exit code once the process ends by itself (a job) or was stopped. */
  exited: Promise<number | null>;
  /** Sends `signal` (SIGTERM by default) and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Starts one of the apps' real entry points (`apps/<app>/src/main.ts`) in a child `node` process, compiled
 * on the fly by @swc-node/register, and resolves once its output matches `listening` (whose first group
 * is the address).
 */
export function startAppProcess(
  main: string,
  listening: RegExp,
  env: Record<string, string>,
  timeoutMs = 60_000,
): Promise<AppProcess> {
  return startNodeProcess(
    ['-r', '@swc-node/register', path.join(REPO_ROOT, main)],
    listening,
    env,
    timeoutMs,
  );
}

/**
 * Starts `node <args>` (the pinned Node.js the tests run on) in the repository folder, as
 * `startAppProcess` does: for built code, `startNodeProcess(['dist/apps/api/main.js'], …)`.
 */
export async function startNodeProcess(
  args: string[],
  listening: RegExp,
  env: Record<string, string>,
  timeoutMs = 60_000,
): Promise<AppProcess> {
  const main = args[args.length - 1];
  const child = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const baseUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${main} did not start within ${timeoutMs} ms:\n${output}`)),
      timeoutMs,
    );
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = listening.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${main} exited with ${code} before listening:\n${output}`));
    });
  }).catch(async (error: unknown) => {
    child.kill('SIGKILL');
    throw error;
  });
  return {
    child,
    baseUrl,
    output: () => output,
    exited,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
