import { spawnSync } from 'node:child_process';
import path from 'node:path';

describe('invalid configuration stops the API at start', () => {
  it('exits 1 with a message naming each bad variable, before listening', () => {
    const root = path.resolve(__dirname, '../../..');
    const result = spawnSync(process.execPath, ['-r', '@swc-node/register', 'apps/api/src/main.ts'], {
      cwd: root,
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
});
