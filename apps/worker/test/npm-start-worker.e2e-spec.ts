import { randomUUID } from 'node:crypto';
import { freePort, isListening } from '../../../tooling/free-port';
import { runNpmScript, type NpmScript, descendantsOf, stillRunning } from '../../../tooling/processes';
import { describeWithServers } from '../../../test/support/real-servers';
import { startTemporalDevServer, type TemporalDevServer } from '../../../tooling/temporal-dev-server';
import { createTestDatabase, type TestDatabase } from '../../../tooling/database';
import { waitFor } from '../../../tooling/wait-for';

const READINESS_DRAIN_MS = 300;
const SHUTDOWN_GRACE_MS = 2_000;

/** `npm run start:worker` as a process manager runs it, against a real Temporal server and PostgreSQL. */
describeWithServers(['temporal'], '`npm run start:worker` and signals', () => {
  let temporal: TemporalDevServer;
  let db: TestDatabase;
  let worker: NpmScript | undefined;

  beforeAll(async () => {
    [temporal, db] = await Promise.all([startTemporalDevServer(), createTestDatabase('npm_worker')]);
  });
  afterAll(async () => {
    await worker?.killGroup(); // only left running when the test failed
    await temporal?.close();
    await db?.drop();
  });

  it('stops on SIGTERM to npm’s own pid within its drain time, and leaves no process or port behind', async () => {
    const sdkMetricsPort = await freePort();
    worker = runNpmScript(['run', 'start:worker'], {
      DATABASE_URL: db.url,
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_TASK_QUEUE: `orders-npm-${randomUUID()}`,
      METRICS_PORT: '0',
      TEMPORAL_METRICS_PORT: String(sdkMetricsPort),
      LOG_LEVEL: 'info',
      SHUTDOWN_READINESS_DRAIN_MS: String(READINESS_DRAIN_MS),
      WORKER_SHUTDOWN_GRACE_MS: String(SHUTDOWN_GRACE_MS),
    });
    const [, managementPort] = await worker.waitForOutput(
      /management endpoints on http:\/\/\S+:(\d+)/,
      180_000,
    );
    const ports = { management: Number(managementPort), sdkMetrics: sdkMetricsPort };
    const ready = await fetch(`http://127.0.0.1:${ports.management}/health/ready`);
    expect(ready.status).toBe(200);

    const tree = descendantsOf(worker.pid);
    process.kill(worker.pid, 'SIGTERM');
    await waitFor(
      async () => worker!.hasExited(),
      Boolean,
      READINESS_DRAIN_MS + SHUTDOWN_GRACE_MS + 5_000,
      50,
    );
    expect(stillRunning(tree.map((entry) => entry.pid))).toEqual([]);
    expect(await worker.exited).toBe(0); // the worker drained and exited 0, and npm with it
    // The script execs the worker: npm's only descendant was the worker itself, no shell in between.
    expect(tree).toEqual([
      { pid: expect.any(Number), ppid: worker.pid, command: 'node dist/apps/worker/main.js' },
    ]);
    expect(worker.output()).toContain('SIGTERM received, shutting down');
    expect({
      management: await isListening(ports.management),
      sdkMetrics: await isListening(ports.sdkMetrics),
    }).toEqual({ management: false, sdkMetrics: false });
  });
});
