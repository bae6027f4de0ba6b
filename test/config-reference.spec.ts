import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sharedEnvShape } from '@app/config';
import { apiEnvSchema } from '../apps/api/src/config/api.config';
import { jobsEnvSchema } from '../apps/jobs/src/config/jobs.config';
import { workerEnvSchema } from '../apps/worker/src/config/worker.config';
import { BEGIN_MARKER, CONFIG_REFERENCE_FILE, END_MARKER } from '../scripts/config-reference';
import { REPO_ROOT } from '../tooling/repo-root';

/** `npm run docs:config -- --check [--file <page>]`, as the npm script runs it (on this Node.js). */
function checkReference(file?: string) {
  return spawnSync(
    process.execPath,
    ['-r', '@swc-node/register', 'scripts/config-reference.ts', '--check', ...(file ? ['--file', file] : [])],
    { cwd: REPO_ROOT, encoding: 'utf8', timeout: 60_000 },
  );
}

describe('configuration reference (docs/configuration.md, written by npm run docs:config)', () => {
  const page = readFileSync(CONFIG_REFERENCE_FILE, 'utf8');

  it('is what the generator writes from the zod schemas today', () => {
    const result = checkReference();
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
  });

  it('has a row for every variable the API, the worker and the jobs read', () => {
    const block = page.slice(page.indexOf(BEGIN_MARKER), page.indexOf(END_MARKER));
    const variables = new Set(
      [sharedEnvShape, apiEnvSchema.shape, workerEnvSchema.shape, jobsEnvSchema.shape].flatMap(Object.keys),
    );
    const rows = new Set([...block.matchAll(/^\| `([A-Z0-9_]+)` /gm)].map((match) => match[1]));
    expect([...variables].filter((name) => !rows.has(name))).toEqual([]);
  });

  it('fails the check when the page no longer matches the schemas', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'config-reference-'));
    try {
      const drifted = path.join(dir, 'configuration.md');
      writeFileSync(drifted, page.replace('| `PORT` ', '| `PORT_NUMBER` '));
      const result = checkReference(drifted);
      expect(result.status).toBe(1);
      expect(result.stderr).toContain('Run `npm run docs:config`');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
