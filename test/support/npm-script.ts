import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT } from './app-process';
import { waitFor } from './wait-for';

/** The host's own PATH: what a shell has before npm puts the project's `node_modules/.bin` first. */
export const HOST_PATH = (process.env.PATH ?? '')
  .split(path.delimiter)
  .filter((entry) => !entry.includes(`node_modules${path.sep}.bin`) && !entry.includes('node-gyp-bin'))
  .join(path.delimiter);

export interface NpmScript {
  /** npm itself, leading a process group of its own. */
  child: ChildProcess;
  pid: number;
  output(): string;
  /** Waits until the output matches `pattern` and returns the match; fails if npm exits first. */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  /** npm's exit code, or null when a signal ended it. */
  exited: Promise<number | null>;
  hasExited(): boolean;
  /** SIGTERM to whatever is left of npm's process group (npm, its script, an orphan); for clean-up. */
  killGroup(): Promise<void>;
}

/**
 * `npm <args>` as an operator runs it: from a shell whose PATH is the host's, in a process group of its
 * own, so that the tests can signal npm's pid alone, as a process manager does.
 */
export function runNpmScript(args: string[], env: Record<string, string>): NpmScript {
  const child = spawn('npm', args, {
    cwd: REPO_ROOT,
    env: { PATH: HOST_PATH, HOME: process.env.HOME ?? '', ...env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  // 'exit' can come before the last output has been read: wait for the pipes to close too (bounded, since
  // a process npm started could hold them open).
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      const timer = setTimeout(() => resolve(code), 5_000);
      child.once('close', () => {
        clearTimeout(timer);
        resolve(code);
      });
    }),
  );
  const hasExited = () => child.exitCode !== null || child.signalCode !== null;
  return {
    child,
    pid: child.pid!,
    output: () => output,
    exited,
    hasExited,
    async waitForOutput(pattern, timeoutMs = 120_000) {
      await waitFor(async () => pattern.test(output) || hasExited(), Boolean, timeoutMs, 100);
      const match = pattern.exec(output);
      if (!match) throw new Error(`npm ${args.join(' ')} exited before printing ${pattern}:\n${output}`);
      return match;
    },
    async killGroup() {
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        return; // ESRCH: nothing left
      }
      if (!hasExited()) await exited;
    },
  };
}
