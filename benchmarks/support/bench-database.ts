import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import type { Teardown } from './teardown';

/** The PostgreSQL server the benchmarks use (trust auth on 127.0.0.1 by default). */
export const ADMIN_URL =
  process.env.BENCH_PG_ADMIN_URL ??
  process.env.TEST_PG_ADMIN_URL ??
  'postgresql://postgres@127.0.0.1:5432/postgres';

export interface BenchDatabase {
  name: string;
  url: string;
  /** Runs SQL on a short-lived connection of its own. */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
}

/** A fresh database named `<prefix>_<pid>_<random>`, dropped (connections and all) by `teardown`. */
export async function createBenchDatabase(prefix: string, teardown: Teardown): Promise<BenchDatabase> {
  const name = `${prefix}_${process.pid}_${randomBytes(3).toString('hex')}`;
  await adminQuery(`CREATE DATABASE ${name}`);
  teardown.defer(`drop database ${name}`, () => adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    query: async <T>(sql: string, params: unknown[] = []) =>
      withClient(url.toString(), async (client) => (await client.query(sql, params)).rows as T[]),
  };
}

/** The connection flags of `ADMIN_URL` for the PostgreSQL command-line tools (`pgbench`, `pg_dump`). */
export function cliConnection(database: string): string[] {
  const url = new URL(ADMIN_URL);
  return ['-h', url.hostname, '-p', url.port || '5432', '-U', decodeURIComponent(url.username), database];
}

async function adminQuery(sql: string): Promise<void> {
  await withClient(ADMIN_URL, (client) => client.query(sql));
}

async function withClient<T>(connectionString: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
