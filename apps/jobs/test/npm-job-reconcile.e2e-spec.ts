import { createServer, type Server, type Socket } from 'node:net';
import { runNpmScript, type NpmScript, descendantsOf, stillRunning } from '../../../tooling/processes';
import { waitFor } from '../../../tooling/wait-for';

/**
 * `npm run job:reconcile` as a CronJob or an operator runs it. The job is held at its first step by a
 * database that accepts connections and never answers, so its process tree can be seen and signalled.
 */
describe('`npm run job:reconcile` and signals', () => {
  let silentDatabase: Server;
  const connections: Socket[] = [];
  let job: NpmScript | undefined;

  beforeAll(async () => {
    silentDatabase = createServer((socket) => connections.push(socket));
    await new Promise<void>((resolve) => silentDatabase.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    await job?.killGroup(); // only left running when the test failed
    for (const socket of connections) socket.destroy();
    await new Promise((resolve) => silentDatabase.close(resolve));
  });

  it('runs the job as npm’s own child, which SIGTERM to npm’s pid reaches', async () => {
    const { port } = silentDatabase.address() as { port: number };
    job = runNpmScript(['run', 'job:reconcile'], {
      DATABASE_URL: `postgresql://postgres@127.0.0.1:${port}/orders`,
      LOG_LEVEL: 'info',
    });
    // Built and started: the job is now waiting for the database (up to its 5 s connection timeout).
    await waitFor(async () => connections.length > 0 || job!.hasExited(), Boolean, 120_000, 50);
    expect(job.hasExited()).toBe(false);

    const tree = descendantsOf(job.pid);
    expect(tree).toEqual([
      { pid: expect.any(Number), ppid: job.pid, command: 'node dist/apps/jobs/main.js' },
    ]);

    process.kill(job.pid, 'SIGTERM');
    await waitFor(async () => job!.hasExited(), Boolean, 5_000, 50);
    expect(stillRunning(tree.map((entry) => entry.pid))).toEqual([]);
  });
});
