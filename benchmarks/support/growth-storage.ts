import { statfs } from 'node:fs/promises';
import type { BenchDatabase } from './bench-database';

/** One table's bytes: heap, TOAST and indexes together, and its indexes alone. */
export interface TableBytes {
  table: string;
  /** `pg_total_relation_size`. */
  totalBytes: number;
  /** `pg_indexes_size`. */
  indexBytes: number;
}

export interface Storage {
  /** `pg_database_size`. */
  databaseBytes: number;
  /** Every table of the schema, largest first (tables added by later migrations included). */
  tables: TableBytes[];
}

/** What the database's tables and indexes take on disk now. */
export async function storageOf(db: BenchDatabase): Promise<Storage> {
  const rows = await db.query<{ table: string; total: string; indexes: string; database: string }>(
    `SELECT c.relname AS table, pg_total_relation_size(c.oid) AS total, pg_indexes_size(c.oid) AS indexes,
            pg_database_size(current_database()) AS database
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
      ORDER BY pg_total_relation_size(c.oid) DESC, c.relname`,
  );
  return {
    databaseBytes: Number(rows[0]?.database ?? 0),
    tables: rows.map((row) => ({
      table: row.table,
      totalBytes: Number(row.total),
      indexBytes: Number(row.indexes),
    })),
  };
}

/**
 * Free bytes where PostgreSQL keeps its data, when that folder is on this machine and readable (a local
 * server); undefined otherwise.
 */
export async function freeBytesOfDataDirectory(db: BenchDatabase): Promise<number | undefined> {
  try {
    const [{ data_directory: directory }] = await db.query<{ data_directory: string }>('SHOW data_directory');
    const stats = await statfs(directory);
    return stats.bavail * stats.bsize;
  } catch {
    return undefined;
  }
}
