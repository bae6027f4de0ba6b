import { mkdir } from 'node:fs/promises';

export interface EmbeddedPostgresOptions {
  /** Folder holding the database files; created when missing. */
  dataDir: string;
  /** @default '127.0.0.1' */
  host?: string;
  /** 0 picks a free port. @default 5433 */
  port?: number;
  /**
   * Client connections served at once (queries are multiplexed onto one engine).
   * @default 32
   */
  maxConnections?: number;
}

export interface EmbeddedPostgres {
  /** Connection string for `pg` / TypeORM. */
  readonly url: string;
  stop(): Promise<void>;
}

/**
 * Starts PostgreSQL in-process (PGlite) behind the Postgres wire protocol, so the application uses the
 * same `pg`/TypeORM code path as against a real server. Meant for local runs and demos, not production:
 * PGlite is a development dependency, loaded only here, so the production image (which installs no
 * development dependency) runs without it as long as `DATABASE_URL` is set.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const [{ PGlite }, { PGLiteSocketServer }] = await Promise.all([
    import('@electric-sql/pglite'),
    import('@electric-sql/pglite-socket'),
  ]);
  await mkdir(options.dataDir, { recursive: true });
  const db = await PGlite.create(options.dataDir);
  const server = new PGLiteSocketServer({
    db,
    host: options.host ?? '127.0.0.1',
    port: options.port ?? 5433,
    maxConnections: options.maxConnections ?? 32,
  });
  try {
    await server.start();
  } catch (error) {
    await db.close();
    throw error;
  }
  return {
    url: `postgresql://postgres@${server.getServerConn()}/postgres?sslmode=disable`,
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}
