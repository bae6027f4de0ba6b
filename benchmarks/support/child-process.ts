import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Teardown } from './teardown';

export const REPO_ROOT = path.resolve(__dirname, '../..');

export interface Child {
  process: ChildProcess;
  /** The last few kilobytes of what it wrote to stderr (and to stdout when piped). */
  output(): string;
  exited(): boolean;
  /** Resolves with the exit code (null when ended by a signal). */
  exit: Promise<number | null>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. */
  stop(graceMs?: number): Promise<void>;
}

export interface ChildOptions {
  env: Record<string, string>;
  /** What the child's stdout goes to: ignored, or a file descriptor (a log file), or piped into `output()`. */
  stdout?: 'ignore' | 'pipe' | number;
  ipc?: boolean;
}

const OUTPUT_TAIL = 8_192;

/** A TypeScript entry point run the way the API runs in development: `node -r @swc-node/register <file>`. */
export function spawnTypeScript(file: string, options: ChildOptions, teardown: Teardown): Child {
  return spawnChild(
    process.execPath,
    ['-r', '@swc-node/register', path.resolve(REPO_ROOT, file)],
    options,
    teardown,
  );
}

export function spawnChild(
  command: string,
  args: string[],
  options: ChildOptions,
  teardown: Teardown,
): Child {
  const stdio: StdioOptions = ['ignore', options.stdout ?? 'ignore', 'pipe'];
  if (options.ipc) stdio.push('ipc');
  const child = spawn(command, args, {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...options.env },
    stdio,
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-OUTPUT_TAIL);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const exited = () => child.exitCode !== null || child.signalCode !== null;
  const stop = async (graceMs = 3_000) => {
    if (exited()) return;
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exit;
    clearTimeout(killer);
  };
  teardown.defer(`stop ${path.basename(args.at(-1) ?? command)} (pid ${child.pid})`, () => stop());
  return { process: child, output: () => output, exited, exit, stop };
}

/** Polls `url` until it answers 200; fails early, with the child's output, if the child exits. */
export async function waitUntilReady(child: Child, url: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exited())
      throw new Error(
        `${url}: the process exited (${child.process.exitCode}) before ready:\n${child.output()}`,
      );
    const status = await fetch(url, { signal: AbortSignal.timeout(2_000) }).then(
      (response) => response.status,
      () => 0,
    );
    if (status === 200) return;
    await sleep(250);
  }
  throw new Error(`${url}: not ready within ${timeoutMs} ms:\n${child.output()}`);
}
