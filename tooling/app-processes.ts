import { closeSync, openSync, statSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { apiEnv, WORKER_TEST_ENV, type ApiProfile, type MeasuredProfile } from './app-env';
import { freePort } from './free-port';
import {
  launchTypeScript,
  LISTENING,
  startAppProcess,
  startNodeProcess,
  waitUntilReady,
  type AppProcess,
  type ReleaseList,
} from './processes';
import { REPO_ROOT } from './repo-root';
import { AccessTokens, createKeyFolder } from './tokens';

export const API_MAIN = 'apps/api/src/main.ts';
export const WORKER_MAIN = 'apps/worker/src/main.ts';

export interface ApiProcess extends AppProcess {
  /** The API's local signing key (AUTH_LOCAL_KEY_FILE). */
  keyFile: string;
  /** Tokens signed with it. */
  tokens: AccessTokens;
}

/** An API started for a benchmark or a CPU profile, on ports chosen before it starts. */
export interface MeasuredApiProcess extends ApiProcess {
  metricsPort: number;
  metricsUrl: string;
  /** Bytes the API has logged so far (0 when logs are off). */
  logBytes(): number;
}

export interface ApiProcessOptions {
  /** @default { kind: 'test' } */
  profile?: ApiProfile;
  /** How long it may take to serve. @default 60 s (test), 120 s (measured) */
  timeoutMs?: number;
  /** Node.js flags before the entry point (`--cpu-prof`, `--cpu-prof-dir=…`). */
  nodeArgs?: string[];
  /** Measured profiles: `stop()` sends SIGKILL when the API still runs this long after its signal. @default 3 s */
  killAfterMs?: number;
  /** Registers `stop()` (and the removal of its key folder and log file) there. */
  teardown?: ReleaseList;
  /**
   * Measured profiles: the checkout whose API is started, its entry point run from that folder (so that
   * its own tsconfig paths and node_modules apply), to compare two commits. @default REPO_ROOT
   */
  root?: string;
}

/**
 * Starts the API's real entry point (`apps/api/src/main.ts`) in a child `node` process with the
 * environment of `options.profile` (app-env.ts) and then `env`. Unless `env` names an AUTH_LOCAL_KEY_FILE,
 * the API generates its local signing key in a temporary folder, removed when the process is stopped.
 *
 * Test profile: resolves once it logs the address it listens on (PORT=0). Measured profiles: on free ports
 * chosen here, its stdout (logs) into a temporary file when observability is on, ready when
 * `/health/ready` answers 200, which works whatever the log level.
 */
export function startApiProcess(
  env: Record<string, string>,
  options?: ApiProcessOptions & { profile?: { kind: 'test' } },
): Promise<ApiProcess>;
export function startApiProcess(
  env: Record<string, string>,
  options: ApiProcessOptions & { profile: MeasuredProfile },
): Promise<MeasuredApiProcess>;
export async function startApiProcess(
  env: Record<string, string>,
  options: ApiProcessOptions = {},
): Promise<ApiProcess | MeasuredApiProcess> {
  const profile = options.profile ?? { kind: 'test' };
  if (options.root !== undefined && profile.kind === 'test')
    throw new Error('startApiProcess: `root` applies to measured profiles only');
  const keys = env.AUTH_LOCAL_KEY_FILE ? undefined : await createKeyFolder();
  const keyFile = env.AUTH_LOCAL_KEY_FILE ?? keys!.keyFile;
  const cleanups: Array<() => Promise<void> | void> = [];
  if (keys) cleanups.push(() => keys.remove());
  const cleanUp = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  };
  let app: AppProcess;
  let measured: Pick<MeasuredApiProcess, 'metricsPort' | 'metricsUrl' | 'logBytes'> | undefined;
  try {
    if (profile.kind === 'test') {
      app = await startNodeProcess(
        [...(options.nodeArgs ?? []), '-r', '@swc-node/register', path.join(REPO_ROOT, API_MAIN)],
        LISTENING.api,
        { ...apiEnv(profile), AUTH_LOCAL_KEY_FILE: keyFile, ...env },
        options.timeoutMs ?? 60_000,
      );
    } else {
      const [port, metricsPort] = [await freePort(), await freePort()];
      const logFile =
        profile.observability.kind === 'on'
          ? path.join(tmpdir(), `orders-${profile.kind}-${process.pid}-${profile.name}.log`)
          : undefined;
      const logFd = logFile ? openSync(logFile, 'w') : undefined;
      if (logFile && logFd !== undefined)
        cleanups.push(() => {
          closeSync(logFd);
          unlinkSync(logFile);
        });
      const root = options.root ?? REPO_ROOT;
      const launched = launchTypeScript(path.resolve(root, API_MAIN), {
        cwd: root,
        env: {
          ...apiEnv(profile),
          PORT: String(port),
          METRICS_PORT: String(metricsPort),
          AUTH_LOCAL_KEY_FILE: keyFile,
          ...env,
        },
        nodeArgs: options.nodeArgs,
        stdout: logFd ?? 'ignore',
        outputTail: 8_192,
        killAfterMs: options.killAfterMs ?? 3_000,
        name: root === REPO_ROOT ? API_MAIN : path.join(root, API_MAIN),
      });
      const baseUrl = `http://127.0.0.1:${port}`;
      await waitUntilReady(launched, { url: `${baseUrl}/health/ready` }, options.timeoutMs ?? 120_000).catch(
        async (error: unknown) => {
          await launched.stop('SIGKILL');
          throw error;
        },
      );
      app = { ...launched, baseUrl };
      measured = {
        metricsPort,
        metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
        logBytes: () => (logFile ? statSync(logFile).size : 0),
      };
    }
  } catch (error) {
    await cleanUp();
    throw error;
  }
  // In JWKS mode the API never creates the file: the tokens are then for tests that expect refusals.
  const tokens = await AccessTokens.fromKeyFile(keyFile, { create: Boolean(env.AUTH_JWKS_URL) }).catch(
    async (error: unknown) => {
      await app.stop();
      await cleanUp();
      throw error;
    },
  );
  const api: ApiProcess = {
    ...app,
    ...measured,
    keyFile,
    tokens,
    async stop(signal?: NodeJS.Signals) {
      const code = await app.stop(signal);
      await cleanUp();
      return code;
    },
  };
  options.teardown?.defer(`stop the API (pid ${api.pid})`, async () => {
    await api.stop();
  });
  return api;
}

export type WorkerProcess = AppProcess;

/**
 * Starts the worker's real entry point (`apps/worker/src/main.ts`) in a child `node` process and resolves
 * once its management port listens, which is after the Temporal worker started polling.
 */
export function startWorkerProcess(env: Record<string, string>, timeoutMs = 90_000): Promise<WorkerProcess> {
  return startAppProcess(WORKER_MAIN, LISTENING.worker, { ...WORKER_TEST_ENV, ...env }, timeoutMs);
}
