import { execFileSync, spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { REPO_ROOT } from './repo-root';
import { waitFor } from './wait-for';

/**
 * Where a started process registers its stop, to be released with everything else a run started (the
 * benchmarks' Teardown).
 */
export interface ReleaseList {
  defer(name: string, run: () => Promise<void> | void): unknown;
}

export interface LaunchOptions {
  /** The process's environment: PATH and HOME (the only variables it inherits), then these. */
  env?: Record<string, string>;
  /** Inherits this process's whole environment instead (tools that read their own settings from it). */
  inheritEnv?: boolean;
  /** @default REPO_ROOT */
  cwd?: string;
  /**
   * Where its stdout goes: into `output()` ('pipe', the default), nowhere, this process's own stdout, or
   * a file descriptor (a log file). Its stderr always goes into `output()`.
   */
  stdout?: 'pipe' | 'ignore' | 'inherit' | number;
  /** A channel for `child.send` and its 'message' events. */
  ipc?: boolean;
  /** In a process group of its own, as a shell runs a job: `killGroup()` reaches what it started. */
  detached?: boolean;
  /** Keeps only the last this many characters of output (long runs); everything by default. */
  outputTail?: number;
  /** `stop()` sends SIGKILL when the process still runs this long after its signal; never by default. */
  killAfterMs?: number;
  /** What errors call it. @default its last argument */
  name?: string;
  /** Registers `stop()` there. */
  teardown?: ReleaseList;
}

export interface LaunchedProcess {
  child: ChildProcess;
  pid: number;
  name: string;
  /** What it wrote so far (see LaunchOptions.stdout and outputTail). */
  output(): string;
  /** Resolves with the exit code (null when a signal ended it), once its output has been read too. */
  exited: Promise<number | null>;
  hasExited(): boolean;
  /** Waits until the output matches `pattern` and returns the match; fails if the process exits first. */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  /** Sends `signal` (SIGTERM by default) unless it has exited, and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** SIGTERM to whatever is left of its process group (with `detached`: it, its children, an orphan). */
  killGroup(): Promise<void>;
}

/** Starts `command` in the repository folder; see LaunchOptions. */
export function launch(command: string, args: string[], options: LaunchOptions = {}): LaunchedProcess {
  const stdio: StdioOptions = ['ignore', options.stdout ?? 'pipe', 'pipe'];
  if (options.ipc) stdio.push('ipc');
  const child = spawn(command, args, {
    cwd: options.cwd ?? REPO_ROOT,
    env: options.inheritEnv
      ? { ...process.env, ...options.env }
      : { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...options.env },
    detached: options.detached,
    stdio,
  });
  const name = options.name ?? args.at(-1) ?? command;
  let output = '';
  const keep = (chunk: Buffer | string) => {
    output += chunk.toString();
    if (options.outputTail !== undefined && output.length > options.outputTail)
      output = output.slice(-options.outputTail);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let ended = false;
  // 'exit' can come before the last output has been read: wait for the pipes to close too (bounded, since
  // a process it started could hold them open).
  const exited = new Promise<number | null>((resolve) => {
    child.on('error', (error) => {
      // It could not be started (or signalled): no 'exit' may follow.
      keep(`\n${name}: ${error.message}\n`);
      if (child.pid === undefined) {
        ended = true;
        resolve(null);
      }
    });
    child.once('exit', (code) => {
      ended = true;
      const timer = setTimeout(() => resolve(code), 5_000);
      child.once('close', () => {
        clearTimeout(timer);
        resolve(code);
      });
    });
  });
  const hasExited = () => ended || child.exitCode !== null || child.signalCode !== null;
  const launched: LaunchedProcess = {
    child,
    pid: child.pid ?? -1,
    name,
    output: () => output,
    exited,
    hasExited,
    async waitForOutput(pattern, timeoutMs = 120_000) {
      await waitFor(async () => pattern.test(output) || hasExited(), Boolean, timeoutMs, 100);
      if (!pattern.test(output) && hasExited()) await exited;
      const match = pattern.exec(output);
      if (!match) throw new Error(`${name} exited before printing ${pattern}:\n${output}`);
      return match;
    },
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (!hasExited()) {
        child.kill(signal);
        if (options.killAfterMs !== undefined) {
          const killer = setTimeout(() => child.kill('SIGKILL'), options.killAfterMs);
          void exited.finally(() => clearTimeout(killer));
        }
      }
      return exited;
    },
    async killGroup() {
      if (launched.pid <= 0) return; // never started
      try {
        process.kill(-launched.pid, 'SIGTERM');
      } catch {
        return; // ESRCH: nothing left
      }
      if (!hasExited()) await exited;
    },
  };
  options.teardown?.defer(`stop ${path.basename(name)} (pid ${launched.pid})`, async () => {
    await launched.stop();
  });
  return launched;
}

/** `node <args>` with the Node.js this process runs on (the project's pinned one under npm and Jest). */
export function launchNode(args: string[], options: LaunchOptions = {}): LaunchedProcess {
  return launch(process.execPath, args, options);
}

/**
 * A TypeScript entry point (a path from the repository root) run as the apps run in development:
 * `node <nodeArgs> -r @swc-node/register <file>`.
 */
export function launchTypeScript(
  file: string,
  options: LaunchOptions & { nodeArgs?: string[] } = {},
): LaunchedProcess {
  const { nodeArgs = [], ...launchOptions } = options;
  return launchNode([...nodeArgs, '-r', '@swc-node/register', path.resolve(REPO_ROOT, file)], launchOptions);
}

/**
 * When a started process serves: its output matches (`output`, whose first group, if any, is what
 * `waitUntilReady` returns), `url` answers 200, or `probe` resolves true.
 */
export type Readiness = { output: RegExp } | { url: string } | { probe: () => Promise<boolean> };

/** Polls until `readiness` holds; fails early, with the process's output, when it exits first. */
export async function waitUntilReady(
  launched: LaunchedProcess,
  readiness: Readiness,
  timeoutMs = 120_000,
): Promise<string | undefined> {
  const deadline = Date.now() + timeoutMs;
  const check = async (): Promise<RegExpExecArray | boolean> => {
    if ('output' in readiness) return readiness.output.exec(launched.output()) ?? false;
    if ('url' in readiness)
      return fetch(readiness.url, { signal: AbortSignal.timeout(2_000) }).then(
        (response) => response.status === 200,
        () => false,
      );
    return readiness.probe();
  };
  const what = 'output' in readiness ? 'listening' : 'ready';
  for (;;) {
    const ready = await check();
    if (ready) return typeof ready === 'boolean' ? undefined : ready[1];
    if (launched.hasExited()) {
      const code = await launched.exited;
      const late = 'output' in readiness && readiness.output.exec(launched.output());
      if (late) return late[1];
      throw new Error(`${launched.name} exited with ${code} before ${what}:\n${launched.output()}`);
    }
    if (Date.now() > deadline)
      throw new Error(`${launched.name} was not ${what} within ${timeoutMs} ms:\n${launched.output()}`);
    await sleep('output' in readiness ? 50 : 200);
  }
}

export interface AppProcess extends LaunchedProcess {
  /** The address the process logged it listens on. */
  baseUrl: string;
}

/**
 * Starts `node <args>` (the pinned Node.js the tests run on) in the repository folder and resolves once
 * its output matches `listening` (whose first group is the address); for built code,
 * `startNodeProcess(['dist/apps/api/main.js'], …)`.
 */
export async function startNodeProcess(
  args: string[],
  listening: RegExp,
  env: Record<string, string>,
  timeoutMs = 60_000,
): Promise<AppProcess> {
  const launched = launchNode(args, { env });
  try {
    const baseUrl = await waitUntilReady(launched, { output: listening }, timeoutMs);
    return { ...launched, baseUrl: baseUrl ?? '' };
  } catch (error) {
    await launched.stop('SIGKILL');
    throw error;
  }
}

/**
 * Starts one of the apps' real entry points (`apps/<app>/src/main.ts`) in a child `node` process, compiled
 * on the fly by @swc-node/register, and resolves once its output matches `listening`.
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

export type ServerProcess = LaunchedProcess;

/**
 * Starts a real server binary (Prometheus, Alertmanager, Pushgateway, exporters, Redis, HAProxy) and, when
 * `readyUrl` is given, resolves once it answers 200 there. `stop()` waits for its exit (SIGKILL after
 * 5 s), so its files can be removed safely.
 */
export async function startServerProcess(
  command: string,
  args: string[],
  options: { env?: Record<string, string>; readyUrl?: string; timeoutMs?: number } = {},
): Promise<ServerProcess> {
  const server = launch(command, args, {
    env: options.env,
    killAfterMs: 5_000,
    outputTail: 16_384,
    name: path.basename(command),
  });
  if (options.readyUrl)
    await waitUntilReady(server, { url: options.readyUrl }, options.timeoutMs ?? 30_000).catch(
      async (error: unknown) => {
        await server.stop();
        throw error;
      },
    );
  return server;
}

/** The host's own PATH: what a shell has before npm puts the project's `node_modules/.bin` first. */
export const HOST_PATH = (process.env.PATH ?? '')
  .split(path.delimiter)
  .filter((entry) => !entry.includes(`node_modules${path.sep}.bin`) && !entry.includes('node-gyp-bin'))
  .join(path.delimiter);

export type NpmScript = LaunchedProcess;

/**
 * `npm <args>` as an operator runs it: from a shell whose PATH is the host's, in a process group of its
 * own, so that the tests can signal npm's pid alone, as a process manager does.
 */
export function runNpmScript(args: string[], env: Record<string, string>): NpmScript {
  return launch('npm', args, {
    env: { PATH: HOST_PATH, ...env },
    detached: true,
    name: `npm ${args.join(' ')}`,
  });
}

export type AppName = 'api' | 'worker' | 'jobs';

/** What each app logs once it serves: the address (first group) its process is reached at. */
export const LISTENING: Record<AppName, RegExp> = {
  api: /listening on (http:\/\/[^\s),]+)/,
  worker: /management endpoints on (http:\/\/[^\s)]+)/,
  jobs: /([\s\S])/, // a job runs and exits: its first output
};

export interface BuiltApps {
  /** The build's output folder (the images' dist/). */
  dir: string;
  /** Starts `node <dir>/apps/<app>/main.js`, as an image's CMD does, and resolves once it serves. */
  start(app: AppName, env: Record<string, string>, timeoutMs?: number): Promise<AppProcess>;
  remove(): Promise<void>;
}

/**
 * Builds the apps once with the project's build command (`npm run build`, as the Dockerfile does) into a
 * folder of this run's own, so that processes started from it never build and no other suite's build
 * replaces their code under them.
 */
export async function buildApps(): Promise<BuiltApps> {
  const dir = path.join(REPO_ROOT, '.build-test', `${process.pid}-${randomBytes(4).toString('hex')}`);
  const remove = () => rm(dir, { recursive: true, force: true });
  const build = runNpmScript(['run', 'build'], { ORDERS_BUILD_DIR: path.join(dir, 'dist') });
  const code = await build.exited;
  if (code !== 0) {
    await remove();
    throw new Error(`npm run build exited with ${code}:\n${build.output()}`);
  }
  return {
    dir: path.join(dir, 'dist'),
    start: (app, env, timeoutMs = 90_000) =>
      startNodeProcess([path.join(dir, 'dist', 'apps', app, 'main.js')], LISTENING[app], env, timeoutMs),
    remove,
  };
}

export interface ProcessEntry {
  pid: number;
  ppid: number;
  /** The command line, as `ps` shows it. */
  command: string;
}

function allProcesses(): ProcessEntry[] {
  const listing = execFileSync('ps', ['-A', '-o', 'pid=,ppid=,stat=,args='], { encoding: 'utf8' });
  return listing
    .split('\n')
    .map((line) => /^\s*(\d+)\s+(\d+)\s+(\S+)\s+(.*)$/.exec(line))
    .filter((match): match is RegExpExecArray => match !== null && !match[3].startsWith('Z')) // exited, not yet reaped
    .map((match) => ({ pid: Number(match[1]), ppid: Number(match[2]), command: match[4] }));
}

/** Every live process started under `pid`: its children, their children, and so on. */
export function descendantsOf(pid: number): ProcessEntry[] {
  const processes = allProcesses();
  const found: ProcessEntry[] = [];
  let parents = new Set([pid]);
  while (parents.size > 0) {
    const children = processes.filter((entry) => parents.has(entry.ppid));
    found.push(...children);
    parents = new Set(children.map((entry) => entry.pid));
  }
  return found;
}

/** Which of `pids` are still running (exited processes not yet reaped count as gone). */
export function stillRunning(pids: number[]): number[] {
  const running = new Set(allProcesses().map((entry) => entry.pid));
  return pids.filter((pid) => running.has(pid));
}
