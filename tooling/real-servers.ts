import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';

/**
 * Servers the tests (and the scripts that record from them) run for real: built by `scripts/test-servers.sh` from the Go module proxy at the
 * versions compose runs, and (those the proxy does not serve) Debian's Pushgateway, postgres_exporter,
 * HAProxy and Redis.
 * Sloth, the SLO rule generator, is built there too.
 */
export type RealServer =
  | 'temporal'
  | 'jaeger'
  | 'prometheus'
  | 'promtool'
  | 'alertmanager'
  | 'amtool'
  | 'kustomize'
  | 'sloth'
  | 'kube-score'
  | 'prometheus-pushgateway'
  | 'prometheus-postgres-exporter'
  | 'haproxy'
  | 'redis-server';

/** Where the script builds them: `ORDERS_TEST_SERVERS_DIR` (documented in docs/testing.md), else its default. */
export const TEST_SERVERS_DIR =
  process.env.ORDERS_TEST_SERVERS_DIR || path.join(homedir(), '.cache/orders-test-servers');

/** The major version a test needs: an older server on PATH (Debian's Prometheus 2) must not pass for it. */
const REQUIRED_VERSION: Partial<Record<RealServer, { args: string[]; pattern: RegExp }>> = {
  prometheus: { args: ['--version'], pattern: /version 3\./ },
  promtool: { args: ['--version'], pattern: /version 3\./ },
  // The committed SLO rules are this version's output, down to its name in their header.
  sloth: { args: ['version'], pattern: /^v0\.16\.0$/m },
};

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

const found = new Map<RealServer, string | undefined>();

/** The binary's path: the test-servers folder first, then PATH; undefined when neither has a usable one. */
export function serverBinary(name: RealServer): string | undefined {
  if (found.has(name)) return found.get(name);
  const folders = [
    path.join(TEST_SERVERS_DIR, 'bin'),
    ...(process.env.PATH ?? '').split(path.delimiter),
    '/usr/sbin', // Debian's daemons (haproxy), when PATH is a user's
  ];
  const required = REQUIRED_VERSION[name];
  const binary = folders
    .map((folder) => path.join(folder, name))
    .find((file) => {
      if (!executable(file)) return false;
      if (!required) return true;
      const probe = spawnSync(file, required.args, { encoding: 'utf8', timeout: 10_000 });
      return required.pattern.test(`${probe.stdout}\n${probe.stderr}`);
    });
  found.set(name, binary);
  return binary;
}

/** The binary's path, or an error naming how to get it. */
export function requireServer(name: RealServer): string {
  const binary = serverBinary(name);
  if (!binary)
    throw new Error(
      `${name} not found in ${path.join(TEST_SERVERS_DIR, 'bin')} or on PATH: run \`bash scripts/test-servers.sh\``,
    );
  return binary;
}
