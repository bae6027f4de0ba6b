import { ADMIN_URL, createTestDatabase, type TestDatabase } from '../../tooling/database';
import type { Teardown } from './teardown';

/** The PostgreSQL server the benchmarks use: the tests' one (trust auth on 127.0.0.1, `TEST_PG_ADMIN_URL`). */
export { ADMIN_URL };

export type BenchDatabase = Omit<TestDatabase, 'drop'>;

/** A fresh database named `<prefix>_<pid>_<random>`, dropped (connections and all) by `teardown`. */
export async function createBenchDatabase(prefix: string, teardown: Teardown): Promise<BenchDatabase> {
  const db = await createTestDatabase(prefix);
  teardown.defer(`drop database ${db.name}`, () => db.drop());
  return db;
}

/** The connection flags of `ADMIN_URL` for the PostgreSQL command-line tools (`pgbench`, `pg_dump`). */
export function cliConnection(database: string): string[] {
  const url = new URL(ADMIN_URL);
  return ['-h', url.hostname, '-p', url.port || '5432', '-U', decodeURIComponent(url.username), database];
}
