import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { API_MAIN } from '../../tooling/app-processes';
import { REPO_ROOT } from '../../tooling/repo-root';

/** A checkout of this repository whose API a benchmark starts (`--baseline`, `--candidate`). */
export interface Checkout {
  /** Absolute path of its root folder. */
  root: string;
  /** `<root> at <commit>`, `+ uncommitted changes` when its tracked files differ from that commit. */
  description: string;
}

/**
 * Resolves `dir` (default: this checkout) and checks that its API can be started from it: its entry point
 * is there, and so is every dependency its package.json names, in its `node_modules` (a symbolic link to
 * this checkout's does as long as both commits have the same dependencies).
 */
export function checkout(dir: string = REPO_ROOT): Checkout {
  const root = path.resolve(dir);
  if (!existsSync(path.join(root, API_MAIN)))
    throw new Error(`${root} is not a checkout of this repository: ${API_MAIN} is missing`);
  if (!existsSync(path.join(root, 'node_modules')))
    throw new Error(
      `${root} has no node_modules: link this checkout's (ln -s ${path.join(REPO_ROOT, 'node_modules')} ${path.join(root, 'node_modules')})`,
    );
  // This checkout's own node_modules is npm's business; another's is often a link to this one's.
  if (root !== REPO_ROOT) {
    const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
    };
    const missing = [...Object.keys(manifest.dependencies ?? {}), '@swc-node/register'].filter(
      (name) => !existsSync(path.join(root, 'node_modules', name, 'package.json')),
    );
    if (missing.length > 0)
      throw new Error(
        `${root}/node_modules lacks dependencies its package.json names (${missing.join(', ')}): ` +
          `install its own (cd ${root} && rm node_modules && npm ci)`,
      );
  }
  const git = (...args: string[]) =>
    spawnSync('git', ['-C', root, ...args], { encoding: 'utf8' }).stdout?.trim() ?? '';
  const commit = git('rev-parse', '--short', 'HEAD') || 'unknown commit';
  const changed = git('status', '--porcelain', '--untracked-files=no') !== '';
  return { root, description: `${root} at ${commit}${changed ? ' + uncommitted changes' : ''}` };
}
