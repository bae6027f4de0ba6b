import { existsSync } from 'node:fs';
import path from 'node:path';

/**
 * Where a plain JavaScript file this library runs in a worker thread lives: beside the code that asks for
 * it (sources, tests), under a bundled `main.js` at its source path (builds copy it there as an asset, see
 * nest-cli.json), or in the repository when run from its root. `folder` is the file's folder in the repo.
 */
export function assetPath(folder: string, fileName: string, besides: string): string {
  const candidates = [
    path.join(besides, fileName),
    path.join(besides, folder, fileName),
    path.resolve(folder, fileName),
  ];
  const found = candidates.find((candidate) => existsSync(candidate));
  if (!found) throw new Error(`${fileName} not found (looked in ${candidates.join(', ')})`);
  return found;
}
