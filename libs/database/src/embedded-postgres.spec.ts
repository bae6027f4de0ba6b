import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../../../tooling/repo-root';

const run = promisify(execFile);

/** Loads the database library in a Node.js process where PGlite cannot be found, as in the production image. */
const WITHOUT_PGLITE = `
const Module = require('node:module');
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (request.startsWith('@electric-sql/')) throw Object.assign(new Error('Cannot find module ' + request), { code: 'MODULE_NOT_FOUND' });
  return resolve.call(this, request, ...rest);
};
const database = require('./libs/database/src');
database.startEmbeddedPostgres({ dataDir: require('node:os').tmpdir() + '/never-created-' + process.pid }).then(
  () => console.log('started'),
  (error) => console.log('refused: ' + error.message),
);`;

describe('the embedded PostgreSQL stays out of the production image', () => {
  it('is a development dependency: `npm ci --omit=dev` does not install it', () => {
    const manifest = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    expect(Object.keys(manifest.dependencies).filter((name) => name.startsWith('@electric-sql/'))).toEqual(
      [],
    );
    expect(manifest.devDependencies).toHaveProperty('@electric-sql/pglite');
  });

  it('is loaded only when started: the library loads without it, and starting it names the missing package', async () => {
    const { stdout } = await run(process.execPath, ['-r', '@swc-node/register', '-e', WITHOUT_PGLITE], {
      cwd: REPO_ROOT,
    });
    expect(stdout.trim()).toBe('refused: Cannot find module @electric-sql/pglite');
  }, 60_000);
});
