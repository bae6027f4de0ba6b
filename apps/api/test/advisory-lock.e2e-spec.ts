import { setTimeout as sleep } from 'node:timers/promises';
import { DataSource } from 'typeorm';
import { MIGRATIONS, runPendingMigrations, withAdvisoryLock } from '@app/database';
import { createTestDatabase, type TestDatabase } from '../../../tooling/database';
import { waitFor } from '../../../tooling/wait-for';

/** A promise resolved from outside: holds a lock holder's work until the test lets it finish. */
function gate<T = void>(): { opened: Promise<T>; open: (value: T) => void } {
  let open!: (value: T) => void;
  const opened = new Promise<T>((resolve) => (open = resolve));
  return { opened, open };
}

/** withAdvisoryLock and the migrations run under it, on a real PostgreSQL, with one data source per "process". */
describe('advisory lock around work one process at a time does (real PostgreSQL)', () => {
  let db: TestDatabase;
  const sources: DataSource[] = [];

  const dataSource = async (extra: Record<string, unknown> = {}): Promise<DataSource> => {
    const source = new DataSource({
      type: 'postgres',
      url: db.url,
      migrations: MIGRATIONS,
      extra: { max: 2, ...extra },
    });
    sources.push(source);
    return source.initialize();
  };
  /** Sessions waiting for an advisory lock on the test database. */
  const waiting = async () =>
    Number(
      (
        await db.query<{ n: string }>(
          `SELECT count(*) AS n FROM pg_locks l JOIN pg_stat_activity a USING (pid)
            WHERE l.locktype = 'advisory' AND NOT l.granted AND a.datname = current_database()`,
        )
      )[0].n,
    );
  const held = async () =>
    Number(
      (
        await db.query<{ n: string }>(
          `SELECT count(*) AS n FROM pg_locks l JOIN pg_stat_activity a USING (pid)
            WHERE l.locktype = 'advisory' AND l.granted AND a.datname = current_database()`,
        )
      )[0].n,
    );

  beforeEach(async () => {
    db = await createTestDatabase('orders_lock');
  });
  afterEach(async () => {
    const open = sources.splice(0).filter((source) => source.isInitialized);
    await Promise.all(open.map((source) => source.destroy()));
    await db.drop();
  });

  it('makes a second holder wait until the first one is done, then lets it in', async () => {
    const [first, second] = [await dataSource(), await dataSource()];
    const events: string[] = [];
    const firstDone = gate();
    const firstIn = gate();
    const firstRun = withAdvisoryLock(first, 'migrations', async () => {
      events.push('first in');
      firstIn.open();
      await firstDone.opened;
      events.push('first out');
    });
    await firstIn.opened;
    let secondWaited = false;
    const secondRun = withAdvisoryLock(
      second,
      'migrations',
      async () => {
        events.push('second in');
      },
      { onWait: () => (secondWaited = true) },
    );

    await waitFor(waiting, (n) => n === 1);
    expect(events).toEqual(['first in']);
    expect(secondWaited).toBe(true);

    firstDone.open();
    await Promise.all([firstRun, secondRun]);
    expect(events).toEqual(['first in', 'first out', 'second in']);
    expect(await held()).toBe(0); // both connections went back to their pools without the lock
  });

  it('lets other locks through: only the same name waits', async () => {
    const [first, second] = [await dataSource(), await dataSource()];
    const firstDone = gate();
    const firstIn = gate();
    const firstRun = withAdvisoryLock(first, 'migrations', async () => {
      firstIn.open();
      await firstDone.opened;
    });
    await firstIn.opened;
    await expect(withAdvisoryLock(second, 'databaseGauges', async () => 'ran')).resolves.toBe('ran');
    firstDone.open();
    await firstRun;
  });

  it('is released with the connection of a holder that dies', async () => {
    const [first, second] = [await dataSource(), await dataSource()];
    const firstIn = gate<number>();
    const neverDone = gate();
    const firstRun = withAdvisoryLock(first, 'migrations', async (runner) => {
      const [{ pid }] = (await runner.query('SELECT pg_backend_pid() AS pid')) as Array<{ pid: number }>;
      firstIn.open(pid);
      await neverDone.opened;
    });
    const pid = await firstIn.opened;
    let secondRan = false;
    const secondRun = withAdvisoryLock(second, 'migrations', async () => {
      secondRan = true;
    });
    await waitFor(waiting, (n) => n === 1);
    expect(secondRan).toBe(false);

    // The holder's session ends as it would with its process (killed, or its connection cut).
    await db.query('SELECT pg_terminate_backend($1)', [pid]);
    await secondRun;
    expect(secondRan).toBe(true);
    neverDone.open();
    await firstRun; // its unlock fails on the dead connection and is not an error
  });

  it('waits past statement_timeout, and gives the connection back with its own timeout', async () => {
    const [first, second] = [
      await dataSource({ statement_timeout: 300 }),
      await dataSource({ statement_timeout: 300 }),
    ];
    const firstIn = gate();
    const release = gate();
    const firstRun = withAdvisoryLock(first, 'migrations', async () => {
      firstIn.open();
      await release.opened;
    });
    await firstIn.opened;
    const secondRun = withAdvisoryLock(second, 'migrations', async (runner) =>
      (runner.query('SHOW statement_timeout') as Promise<Array<{ statement_timeout: string }>>).then(
        ([row]) => row.statement_timeout,
      ),
    );
    await waitFor(waiting, (n) => n === 1);
    // Held three times longer than a statement may run: the waiting statement is not cancelled.
    await sleep(900);
    expect(await waiting()).toBe(1);
    release.open();
    await firstRun;
    await expect(secondRun).resolves.toBe('300ms');
  });

  it('runs the work on its own connection, so a pool of one is enough', async () => {
    const single = await dataSource({ max: 1, connectionTimeoutMillis: 2_000 });
    const names = await runPendingMigrations(single);
    expect(names).toEqual(MIGRATIONS.map((migration) => migration.name));
    expect(await held()).toBe(0);
  });

  it('runs each migration once when several data sources run them at the same moment', async () => {
    const all = await Promise.all([dataSource(), dataSource(), dataSource(), dataSource()]);
    const ran = await Promise.all(all.map((source) => runPendingMigrations(source)));

    // One of them ran every migration, the others found none pending.
    expect(ran.map((names) => names.length).sort((a, b) => a - b)).toEqual([0, 0, 0, MIGRATIONS.length]);
    const recorded = await db.query<{ name: string; runs: string }>(
      'SELECT name, count(*) AS runs FROM migrations GROUP BY name ORDER BY name',
    );
    expect(recorded).toHaveLength(MIGRATIONS.length);
    expect(recorded.every((row) => row.runs === '1')).toBe(true);
  });
});
