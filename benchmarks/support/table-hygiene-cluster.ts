import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { chmod, chown, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { freePort } from '../../tooling/free-port';
import { waitFor } from '../../tooling/wait-for';
import type { BenchDatabase } from './bench-database';
import type { Teardown } from './teardown';

const run = promisify(execFile);

/** The server settings that decide when autovacuum runs, as the scratch cluster has them. */
export const AUTOVACUUM_SETTINGS = [
  'autovacuum',
  'autovacuum_naptime',
  'autovacuum_max_workers',
  'autovacuum_vacuum_threshold',
  'autovacuum_vacuum_scale_factor',
  'autovacuum_vacuum_insert_threshold',
  'autovacuum_vacuum_insert_scale_factor',
  'autovacuum_analyze_threshold',
  'autovacuum_analyze_scale_factor',
  'autovacuum_vacuum_cost_delay',
  'autovacuum_vacuum_cost_limit',
] as const;

/** A database of the scratch cluster; `drop()` removes it (also done by the teardown). */
export interface ScratchDatabase extends BenchDatabase {
  drop(): Promise<void>;
}

/** One `automatic vacuum of table …` entry of the server log. */
export interface AutovacuumRun {
  /** When it ended (the log line's time). */
  at: Date;
  table: string;
  /** Dead tuples it removed itself, and the tuples the table kept. */
  removed: number;
  remain: number;
  /** Dead tuples it could not remove yet: a transaction older than them was still open. */
  notRemovable: number;
  /**
   * What it did with the dead item identifiers (the stubs pruning leaves of dead row versions, whose index
   * entries are still there): `needed` (it cleaned the indexes and freed them), `bypassed` (too few pages
   * had any: left for a later vacuum), `not needed` (none).
   */
  indexCleanup: 'needed' | 'bypassed' | 'not needed' | 'unknown';
  /** Dead item identifiers it freed (`needed`) or left (`bypassed`), and the share of the table's pages. */
  deadItems: number;
  deadItemPagesPercent: number;
}

/**
 * A PostgreSQL cluster of the benchmark's own (initdb in a temporary folder, its own port), with the
 * autovacuum settings PostgreSQL ships: the shared server the tests use may run with autovacuum off, and
 * other databases' vacuums would share its workers. Every autovacuum is logged, so each run's removed
 * tuples can be read back. Checkpoints are spaced out (1 h, 4 GB of WAL) so that the WAL one workload
 * writes is not inflated by a checkpoint that happens to fall in it; data is not fsynced (counts, not
 * timings, are what this cluster measures).
 */
export class ScratchCluster {
  private constructor(
    readonly adminUrl: string,
    private readonly logFile: string,
    private readonly teardown: Teardown,
  ) {}

  /** initdb, then start; stopped and removed by `teardown`. Needs the server binaries (initdb, pg_ctl). */
  static async start(teardown: Teardown): Promise<ScratchCluster> {
    const bin = postgresBinDir();
    if (!bin)
      throw new Error(
        'the table hygiene benchmark starts a PostgreSQL cluster of its own: it needs the server binaries ' +
          '(initdb, pg_ctl) under /usr/lib/postgresql/<major>/bin (Debian: postgresql)',
      );
    const dir = await mkdtemp(path.join(tmpdir(), 'orders-bench-hygiene-'));
    await chmod(dir, 0o700);
    teardown.defer(`remove ${dir}`, () => rm(dir, { recursive: true, force: true }));
    if (asRoot) {
      const [{ stdout: uid }, { stdout: gid }] = await Promise.all([
        run('id', ['-u', 'postgres']),
        run('id', ['-g', 'postgres']),
      ]);
      await chown(dir, Number(uid.trim()), Number(gid.trim()));
    }
    const data = path.join(dir, 'data');
    const logFile = path.join(dir, 'server.log');
    await asServerUser(path.join(bin, 'initdb'), [
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
    const options = [
      `-p ${port}`,
      `-k ${dir}`,
      '-c listen_addresses=127.0.0.1',
      '-c max_connections=100',
      '-c fsync=off',
      '-c checkpoint_timeout=1h',
      '-c max_wal_size=4GB',
      '-c log_autovacuum_min_duration=0',
      "-c log_line_prefix='%m [%p] '",
      '-c log_timezone=UTC',
    ].join(' ');
    const pgCtl = path.join(bin, 'pg_ctl');
    await asServerUser(pgCtl, ['-D', data, '-o', options, '-l', logFile, '-w', 'start']);
    teardown.defer('stop the scratch PostgreSQL cluster', async () => {
      await asServerUser(pgCtl, ['-D', data, '-m', 'immediate', '-w', 'stop']);
    });
    const adminUrl = `postgresql://postgres@127.0.0.1:${port}/postgres`;
    await waitFor(
      () =>
        withClient(adminUrl, (c) => c.query('SELECT 1')).then(
          () => true,
          () => false,
        ),
      Boolean,
      30_000,
      100,
    );
    return new ScratchCluster(adminUrl, logFile, teardown);
  }

  /** The server's version and its autovacuum settings. */
  async describe(): Promise<{ version: string; settings: Record<string, string> }> {
    return withClient(this.adminUrl, async (client) => {
      const version = (await client.query<{ v: string }>("SELECT current_setting('server_version') AS v"))
        .rows[0].v;
      const { rows } = await client.query<{ name: string; setting: string; unit: string | null }>(
        'SELECT name, setting, unit FROM pg_settings WHERE name = ANY ($1) ORDER BY name',
        [AUTOVACUUM_SETTINGS],
      );
      return {
        version,
        settings: Object.fromEntries(
          rows.map((r) => [r.name, r.unit ? `${r.setting} ${r.unit}` : r.setting]),
        ),
      };
    });
  }

  /** A new database `<prefix>_<random>` (a copy of `template` when given), dropped by the teardown. */
  async createDatabase(prefix: string, template?: string): Promise<ScratchDatabase> {
    const name = `${prefix}_${randomBytes(4).toString('hex')}`;
    await withClient(this.adminUrl, (c) =>
      c.query(`CREATE DATABASE ${name}${template ? ` TEMPLATE ${template}` : ''}`),
    );
    const url = new URL(this.adminUrl);
    url.pathname = `/${name}`;
    const drop = this.teardown.defer(`drop database ${name}`, () =>
      withClient(this.adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(
        () => undefined,
      ),
    );
    return {
      name,
      url: url.toString(),
      query: async <T>(sql: string, params: unknown[] = []) =>
        withClient(url.toString(), async (c) => (await c.query(sql, params)).rows as T[]),
      drop,
    };
  }

  /** The bytes of WAL the cluster has written so far (a position: subtract two). */
  async walPosition(): Promise<bigint> {
    return withClient(this.adminUrl, async (c) => {
      const { rows } = await c.query<{ lsn: string }>(
        "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::text AS lsn",
      );
      return BigInt(rows[0].lsn.split('.')[0]);
    });
  }

  /** CHECKPOINT: the next change of every page writes its full image to the WAL, whatever ran before. */
  async checkpoint(): Promise<void> {
    await withClient(this.adminUrl, (c) => c.query('CHECKPOINT'));
  }

  /** The autovacuums of `database` the server has logged since `since`. */
  async autovacuumRuns(database: string, since: Date): Promise<AutovacuumRun[]> {
    const log = await readFile(this.logFile, 'utf8');
    const runs: AutovacuumRun[] = [];
    const header =
      /^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+) UTC \[\d+\] LOG: {2}automatic (?:aggressive )?vacuum of table "([^".]+)\.([^".]+)\.([^".]+)"/gm;
    const entries = [...log.matchAll(header)];
    entries.forEach((match, i) => {
      const at = new Date(`${match[1].replace(' ', 'T')}Z`);
      if (match[2] !== database || at < since) return;
      // The entry's detail lines run until the next log line.
      const rest = log.slice(match.index + match[0].length, entries[i + 1]?.index ?? log.length);
      const body = rest.split(/\n(?=\d{4}-\d\d-\d\d )/)[0];
      const tuples = /tuples: (\d+) removed, (\d+) remain, (\d+) are dead but not yet removable/.exec(body);
      const items =
        /index scan (needed|bypassed|not needed): \d+ pages from table \(([\d.]+)% of total\) (?:had|have) (\d+) dead item identifiers/.exec(
          body,
        );
      runs.push({
        at,
        table: match[4],
        removed: Number(tuples?.[1] ?? 0),
        remain: Number(tuples?.[2] ?? 0),
        notRemovable: Number(tuples?.[3] ?? 0),
        indexCleanup: (items?.[1] as AutovacuumRun['indexCleanup'] | undefined) ?? 'unknown',
        deadItemPagesPercent: Number(items?.[2] ?? 0),
        deadItems: Number(items?.[3] ?? 0),
      });
    });
    return runs;
  }
}

/** Debian's server binaries: /usr/lib/postgresql/<major>/bin, the newest major installed. */
function postgresBinDir(): string | undefined {
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

/** initdb and postgres refuse to run as root: as root, they run as `postgres`. */
function asServerUser(binary: string, args: string[]) {
  return asRoot ? run('runuser', ['-u', 'postgres', '--', binary, ...args]) : run(binary, args);
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
