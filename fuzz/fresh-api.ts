import { startApiProcess } from '../tooling/app-processes';
import { createTestDatabase } from '../tooling/database';
import type { FuzzProfile } from './fuzz-profile';

export interface FreshApi {
  baseUrl: string;
  /** Its local signing key (AUTH_LOCAL_KEY_FILE), in a temporary folder. */
  keyFile: string;
  /** What it logged so far. */
  output(): string;
}

/**
 * The API's real entry point (`apps/api/src/main.ts`) in a child process, with the profile's
 * environment, on a new PostgreSQL database (TEST_PG_ADMIN_URL); stopped and dropped after `work`. Its
 * own process keeps the fuzzer's work off the API's event loop, which readiness watches.
 */
export async function withFreshApi<T>(profile: FuzzProfile, work: (api: FreshApi) => Promise<T>): Promise<T> {
  const db = await createTestDatabase('orders_fuzz');
  try {
    const api = await startApiProcess({ ...profile.freshApiEnv, DATABASE_URL: db.url });
    try {
      return await work(api);
    } finally {
      await api.stop();
    }
  } finally {
    await db.drop();
  }
}

/** The API's own account of its 5xx answers (error log lines, with the stack), to find the cause. */
export function serverErrors(output: string): string[] {
  return output
    .split('\n')
    .filter((line) => line.includes('"log.level":"error"') && line.includes('"context":"HTTP"'));
}
