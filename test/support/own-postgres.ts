import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { chmod, chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { freePort } from '../../tooling/free-port';
import { waitFor } from '../../tooling/wait-for';

const run = promisify(execFile);

/**
 * A PostgreSQL cluster of the test's own, on a port of its own, for tests that stop the database: the
 * shared server on 5432 keeps serving every other suite. Built with Debian's `initdb` and `pg_ctl` (the
 * PostgreSQL server package's bin folder), run as the `postgres` user when the tests run as root.
 */
export interface OwnPostgres {
  port: number;
  /** Connection string of the `postgres` database (trust authentication on 127.0.0.1). */
  adminUrl: string;
  /** Creates a database and returns its connection string. */
  createDatabase(name: string): Promise<string>;
  query<T = Record<string, unknown>>(database: string, sql: string, params?: unknown[]): Promise<T[]>;
  /** Stops the server (fast shutdown: connections are cut, as in a failover), waiting until it is down. */
  stop(): Promise<void>;
  /** Starts it again on the same port and data, waiting until it accepts connections. */
  start(): Promise<void>;
  /** Stops it and removes its data. */
  destroy(): Promise<void>;
}

/** Debian's server binaries: /usr/lib/postgresql/<major>/bin, the newest major installed. */
export function postgresBinDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  try {
    const majors = readdirSync(root)
      .filter((entry) => /^\d+$/.test(entry))
      .sort((a, b) => Number(b) - Number(a));
    return majors.length > 0 ? path.join(root, majors[0], 'bin') : undefined;
  } catch {
    return undefined;
  }
}

const asRoot = userInfo().uid === 0;

/** Runs a server binary as `postgres` when we are root (initdb and postgres refuse to run as root). */
function runServerCommand(binary: string, args: string[]) {
  return asRoot ? run('runuser', ['-u', 'postgres', '--', binary, ...args]) : run(binary, args);
}

export async function startOwnPostgres(): Promise<OwnPostgres> {
  const bin = postgresBinDir();
  if (!bin) throw new Error('PostgreSQL server binaries not found under /usr/lib/postgresql');
  const dir = await mkdtemp(path.join(tmpdir(), 'orders-own-pg-'));
  await chmod(dir, 0o700);
  if (asRoot) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    await chown(dir, Number(stdout.trim()), Number(gid.trim()));
  }
  const data = path.join(dir, 'data');
  await runServerCommand(path.join(bin, 'initdb'), [
    '-D',
    data,
    '-U',
    'postgres',
    '--auth=trust',
    '--no-sync',
    '-E',
    'UTF8',
  ]);
  const port = await freePort();
  const adminUrl = `postgresql://postgres@127.0.0.1:${port}/postgres`;
  const pgCtl = path.join(bin, 'pg_ctl');
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`;

  const accepting = () =>
    waitFor(
      async () => {
        const client = new Client({ connectionString: adminUrl, connectionTimeoutMillis: 1_000 });
        try {
          await client.connect();
          await client.query('SELECT 1');
          return true;
        } catch {
          return false;
        } finally {
          await client.end().catch(() => undefined);
        }
      },
      Boolean,
      30_000,
      100,
    );

  const start = async () => {
    await runServerCommand(pgCtl, [
      '-D',
      data,
      '-o',
      options,
      '-l',
      path.join(dir, 'server.log'),
      '-w',
      'start',
    ]);
    await accepting();
  };
  const stop = async () => {
    await runServerCommand(pgCtl, ['-D', data, '-m', 'fast', '-w', 'stop']);
  };
  const query = async <T>(database: string, sql: string, params: unknown[] = []): Promise<T[]> => {
    const url = new URL(adminUrl);
    url.pathname = `/${database}`;
    const client = new Client({ connectionString: url.toString() });
    await client.connect();
    try {
      return (await client.query(sql, params)).rows as T[];
    } finally {
      await client.end();
    }
  };

  await start();
  return {
    port,
    adminUrl,
    start,
    stop,
    query,
    async createDatabase(name) {
      await query('postgres', `CREATE DATABASE ${name}`);
      const url = new URL(adminUrl);
      url.pathname = `/${name}`;
      return url.toString();
    },
    async destroy() {
      await stop().catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
