import path from 'node:path';

/** The repository's root folder (package.json, node_modules): this package sits right under it. */
export const REPO_ROOT = path.resolve(__dirname, '..');
