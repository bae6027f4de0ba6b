import { randomUUID } from 'node:crypto';
import { MIGRATIONS } from '@app/database';
import { startAppProcess, type AppProcess } from '../../../test/support/app-process';
import { freePort } from '../../../test/support/free-port';
import { describeWithServers } from '../../../test/support/real-servers';
import { startTemporalDevServer, type TemporalDevServer } from '../../../test/support/temporal-dev-server';
import { createTestDatabase, type TestDatabase } from '../../../test/support/test-database';
import { startWorkerProcess } from '../../worker/test/support/worker-process';
import { startApiProcess } from './support/api-process';

type LogLine = Record<string, unknown>;

const jsonLines = (output: string): LogLine[] =>
  output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogLine);

/** Up to 5 processes compile and boot at once: on 2 shared cores that takes minutes, not seconds. */
const START_TIMEOUT_MS = 240_000;

/**
 * Every process runs the migrations at start. Two API replicas, two workers and the reconciliation job,
 * started at the same moment on an empty database, take turns: one runs each migration, the others find
 * none pending, and none fails on another's half-made schema.
 */
describeWithServers(['temporal'], 'migrations when replicas start together on an empty database', () => {
  let temporal: TemporalDevServer;
  let db: TestDatabase;
  const processes: Array<{ name: string; app: AppProcess }> = [];
  let started: Array<PromiseSettledResult<AppProcess>>;
  let jobExit: number | null;

  beforeAll(async () => {
    [temporal, db] = await Promise.all([startTemporalDevServer(), createTestDatabase('orders_migrate')]);
    const shared = {
      DATABASE_URL: db.url,
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_TASK_QUEUE: `orders-migrate-${randomUUID()}`,
      DATABASE_POOL_MAX: '4',
    };
    const workerEnv = async () => ({ ...shared, TEMPORAL_METRICS_PORT: String(await freePort()) });
    const [firstWorker, secondWorker] = [await workerEnv(), await workerEnv()];
    const launch = async (name: string, start: () => Promise<AppProcess>) => {
      const app = await start();
      processes.push({ name, app });
      return app;
    };
    // All at once: none waits for another to be up.
    started = await Promise.allSettled([
      launch('api-1', () => startApiProcess(shared, START_TIMEOUT_MS)),
      launch('api-2', () => startApiProcess(shared, START_TIMEOUT_MS)),
      launch('worker-1', () => startWorkerProcess(firstWorker, START_TIMEOUT_MS)),
      launch('worker-2', () => startWorkerProcess(secondWorker, START_TIMEOUT_MS)),
      // The job runs and exits; it is "up" once it has logged the outcome of its migrations.
      launch('job', () =>
        startAppProcess(
          'apps/jobs/src/main.ts',
          /(pending migration)/,
          { ...shared, LOG_LEVEL: 'info', PAYMENT_SIM_LATENCY_MS: '5', CARRIER_SIM_LATENCY_MS: '5' },
          START_TIMEOUT_MS,
        ),
      ),
    ]);
    const job = processes.find((entry) => entry.name === 'job');
    jobExit = job ? await job.app.exited : null;
  }, START_TIMEOUT_MS + 120_000);

  afterAll(async () => {
    await Promise.all(processes.map(({ app }) => app.stop()));
    await temporal?.close();
    await db?.drop();
  }, 60_000);

  /** What each process logged, by name. */
  const logsOf = () => processes.map(({ name, app }) => ({ name, output: app.output() }));

  it('starts every process, and the job exits 0', () => {
    const failures = started.flatMap((result) =>
      result.status === 'rejected' ? [String(result.reason).slice(0, 2_000)] : [],
    );
    expect(failures).toEqual([]);
    expect(processes.map(({ name }) => name).sort()).toEqual([
      'api-1',
      'api-2',
      'job',
      'worker-1',
      'worker-2',
    ]);
    expect(jobExit).toBe(0);
  });

  it('records each migration exactly once', async () => {
    const recorded = await db.query<{ name: string; runs: string }>(
      'SELECT name, count(*) AS runs FROM migrations GROUP BY name ORDER BY name',
    );
    expect(recorded).toEqual(
      MIGRATIONS.map((migration) => ({ name: migration.name, runs: '1' })).sort((a, b) =>
        a.name.localeCompare(b.name),
      ),
    );
  });

  it('has one process run them all, and the others find none pending', () => {
    const ran = logsOf().map(({ name, output }) => {
      const line = jsonLines(output).find((entry) => entry['event.action'] === 'migrations-ran');
      return { name, ran: line ? (line['migrations.ran'] as string[]) : undefined };
    });
    // Every process logged its run (the job too, before it exited).
    expect(ran.filter((entry) => entry.ran === undefined)).toEqual([]);
    const counts = ran.map((entry) => entry.ran!.length).sort((a, b) => a - b);
    expect(counts).toEqual([0, 0, 0, 0, MIGRATIONS.length]);
    expect(ran.flatMap((entry) => entry.ran!).sort()).toEqual(
      MIGRATIONS.map((migration) => migration.name).sort(),
    );
  });

  it('logs no migration error in any process', () => {
    for (const { name, output } of logsOf()) {
      const failures = output
        .split('\n')
        .filter((line) =>
          /migrations failed|QueryFailedError|already exists|duplicate key value|Migration ".*" failed/.test(
            line,
          ),
        );
      expect({ name, failures }).toEqual({ name, failures: [] });
    }
  });
});
