import { randomUUID } from 'node:crypto';
import { MIGRATIONS } from '@app/database';
import { startAppProcess, type AppProcess } from '../../../tooling/processes';
import { freePort } from '../../../tooling/free-port';
import { describeWithServers } from '../../../test/support/real-servers';
import { startTemporalDevServer, type TemporalDevServer } from '../../../tooling/temporal-dev-server';
import { createTestDatabase, type TestDatabase } from '../../../tooling/database';
import { startWorkerProcess, startApiProcess } from '../../../tooling/app-processes';
import { startConnectionGate, type ConnectionGate } from './support/connection-gate';

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
  const failedToStart: Array<{ name: string; output: string }> = [];
  let started: Array<PromiseSettledResult<AppProcess>>;
  let jobExit: number | null;
  let gate: ConnectionGate;
  let gathered: PromiseSettledResult<void>;

  beforeAll(async () => {
    [temporal, db] = await Promise.all([startTemporalDevServer(), createTestDatabase('orders_migrate')]);
    // Each process boots at its own pace (compiling takes seconds): the gate makes their first
    // statements reach PostgreSQL together, as if they had been started on ready-built images.
    const server = new URL(db.url);
    gate = await startConnectionGate(
      { host: server.hostname, port: Number(server.port || 5432) },
      5,
      START_TIMEOUT_MS - 30_000,
    );
    const gated = new URL(db.url);
    gated.host = gate.address;
    const shared = {
      DATABASE_URL: gated.toString(),
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_TASK_QUEUE: `orders-migrate-${randomUUID()}`,
      DATABASE_POOL_MAX: '4',
    };
    const workerEnv = async () => ({ ...shared, TEMPORAL_METRICS_PORT: String(await freePort()) });
    const [firstWorker, secondWorker] = [await workerEnv(), await workerEnv()];
    const launch = async (name: string, start: () => Promise<AppProcess>) => {
      try {
        const app = await start();
        processes.push({ name, app });
        return app;
      } catch (error) {
        failedToStart.push({ name, output: String(error) }); // the message holds the process's output
        throw error;
      }
    };
    // All at once: none waits for another to be up.
    started = await Promise.allSettled([
      launch('api-1', () => startApiProcess(shared, { timeoutMs: START_TIMEOUT_MS })),
      launch('api-2', () => startApiProcess(shared, { timeoutMs: START_TIMEOUT_MS })),
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
    [gathered] = await Promise.allSettled([gate.opened]);
    const job = processes.find((entry) => entry.name === 'job');
    jobExit = job ? await job.app.exited : null;
  }, START_TIMEOUT_MS + 120_000);

  afterAll(async () => {
    await Promise.all(processes.map(({ app }) => app.stop()));
    await gate?.close();
    await temporal?.close();
    await db?.drop();
  }, 60_000);

  /** What each process logged, by name. */
  const logsOf = () => [
    ...processes.map(({ name, app }) => ({ name, output: app.output() })),
    ...failedToStart,
  ];

  it('had all five send their first statement at the same moment', () => {
    expect(gathered).toEqual({ status: 'fulfilled', value: undefined });
  });

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
    // Both sorted alike: PostgreSQL's collation and localeCompare order WebhookSigning… and Webhooks… apart.
    expect(recorded.sort((a, b) => a.name.localeCompare(b.name))).toEqual(
      MIGRATIONS.map((migration) => ({ name: migration.name, runs: '1' })).sort((a, b) =>
        a.name.localeCompare(b.name),
      ),
    );
  });

  it('has one process run them all while the others wait, then find none pending', () => {
    const runs = logsOf().map(({ name, output }) => {
      const line = jsonLines(output).find((entry) => entry['migrations.outcome'] === 'ran');
      return {
        name,
        ran: line ? (line['migrations.ran'] as string[]) : undefined,
        waited: line?.['migrations.waited_for_lock'] === true,
      };
    });
    process.stderr.write(
      `concurrent migrations: ${runs.map((r) => `${r.name} ran ${r.ran?.length ?? '?'}${r.waited ? ' after waiting' : ''}`).join(', ')}\n`,
    );
    // Every process logged its run (the job too, before it exited).
    expect(runs.filter((run) => run.ran === undefined)).toEqual([]);
    const counts = runs.map((run) => run.ran!.length).sort((a, b) => a - b);
    expect(counts).toEqual([0, 0, 0, 0, MIGRATIONS.length]);
    expect(runs.flatMap((run) => run.ran!).sort()).toEqual(
      MIGRATIONS.map((migration) => migration.name).sort(),
    );
    // They overlapped: the one that ran them did not wait, and someone waited for it.
    expect(runs.find((run) => run.ran!.length > 0)?.waited).toBe(false);
    expect(runs.filter((run) => run.waited).length).toBeGreaterThan(0);
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
