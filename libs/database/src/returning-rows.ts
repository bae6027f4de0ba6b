import type { DataSource, EntityManager } from 'typeorm';

/**
 * Runs a statement and returns its rows. TypeORM's plain `query()` answers UPDATE and DELETE with
 * `[rows, count]` but SELECT and INSERT with `rows`; this asks for the structured result instead.
 */
export async function returningRows<T = Record<string, unknown>>(
  target: DataSource | EntityManager,
  sql: string,
  parameters: unknown[] = [],
): Promise<T[]> {
  const manager = 'manager' in target ? target.manager : target;
  const runner = manager.queryRunner ?? manager.dataSource.createQueryRunner();
  try {
    const result = await runner.query(sql, parameters, true);
    return result.records as T[];
  } finally {
    if (!manager.queryRunner) await runner.release();
  }
}
