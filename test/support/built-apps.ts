import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { REPO_ROOT, startNodeProcess, type AppProcess } from './app-process';
import { runNpmScript } from './npm-script';

export type AppName = 'api' | 'worker' | 'jobs';

/** What each app logs once it serves: the address (first group) its process is reached at. */
const LISTENING: Record<AppName, RegExp> = {
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
