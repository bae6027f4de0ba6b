import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTestDatabase } from '../../../tooling/database';
import { REPO_ROOT } from '../../../tooling/repo-root';

describe('invalid configuration stops the API at start', () => {
  it('exits 1 with a message naming each bad variable, before listening', () => {
    const result = spawnSync(process.execPath, ['-r', '@swc-node/register', 'apps/api/src/main.ts'], {
      cwd: REPO_ROOT,
      env: {
        PATH: process.env.PATH,
        PORT: 'not-a-port',
        TEMPORAL_ADDRESS: 'no port here',
        CARRIER_SIM_FAILURE_RATE: '-1',
        AUTH_ISSUER: 'https://login.example.com/',
      },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('Invalid configuration');
    for (const name of [
      'PORT',
      'TEMPORAL_ADDRESS',
      'CARRIER_SIM_FAILURE_RATE',
      'AUTH_AUDIENCE',
      'AUTH_JWKS_URL',
    ])
      expect(result.stderr).toContain(name);
    expect(result.stdout).not.toContain('listening');
  });

  it('exits 1 naming AUTH_LOCAL_KEY_FILE when the local key can be neither read nor created', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'bad-key-file-'));
    const db = await createTestDatabase();
    try {
      await writeFile(path.join(dir, 'not-a-folder'), '');
      const result = spawnSync(process.execPath, ['-r', '@swc-node/register', 'apps/api/src/main.ts'], {
        cwd: REPO_ROOT,
        env: {
          PATH: process.env.PATH,
          DATABASE_URL: db.url,
          PORT: '0',
          METRICS_PORT: '0',
          AUTH_LOCAL_KEY_FILE: path.join(dir, 'not-a-folder', 'key.json'),
        },
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(result.status).toBe(1);
      expect(result.stderr).toContain('AUTH_LOCAL_KEY_FILE: cannot read or create the local signing key');
      expect(result.stdout).not.toContain('listening on');
    } finally {
      await db.drop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
