import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { waitFor } from '../../../tooling/wait-for';
import { setTimeout as sleep } from 'node:timers/promises';
import { request as httpRequest } from 'node:http';
import { startApiProcess, type ApiProcess } from '../../../tooling/app-processes';

interface Outcome {
  status?: number;
  error?: string;
  startedBeforeSignal: boolean;
}

/** One GET over a fresh connection; records whether it completed and how. */
function get(url: string, startedBeforeSignal: boolean): Promise<Outcome> {
  return new Promise((resolve) => {
    const req = httpRequest(url, { agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode, startedBeforeSignal }));
      res.on('error', (e) => resolve({ error: e.message, startedBeforeSignal }));
    });
    req.on('error', (e: NodeJS.ErrnoException) =>
      resolve({ error: e.code ?? e.message, startedBeforeSignal }),
    );
    req.end();
  });
}

describe('SIGTERM under load (the real entry point in a child process)', () => {
  let dataDir: string;
  let api: ApiProcess | undefined;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'orders-shutdown-'));
    api = await startApiProcess({
      EMBEDDED_DATABASE_DIR: dataDir,
      EMBEDDED_DATABASE_PORT: '0',
      SHUTDOWN_READINESS_DRAIN_MS: '1500',
    });
  });
  afterAll(async () => {
    await api?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('turns readiness 503 first, completes in-flight requests, then exits 0', async () => {
    const base = api!.baseUrl;
    const initially = await get(`${base}/health/ready`, true);
    expect(initially).toMatchObject({ status: 200 });

    let signalled = false;
    const outcomes: Array<Promise<Outcome>> = [];
    const load = (async () => {
      const deadline = Date.now() + 10_000;
      while (Date.now() < deadline && api!.child.exitCode === null) {
        for (let i = 0; i < 5; i++) outcomes.push(get(`${base}/products`, !signalled));
        await sleep(25);
      }
    })();

    // Signal once a known amount of traffic is in flight (not after a fixed time: a busy machine sends less).
    await waitFor(
      async () => outcomes.length,
      (sent) => sent >= 100,
      5_000,
      10,
    );
    const exited = api!.stop();
    signalled = true;
    // The signal is handled at the process's next turn of its (busy) event loop: readiness must turn 503
    // within the drain window, while the process still answers.
    const readyDuringDrain = await waitFor(
      () => get(`${base}/health/ready`, false),
      (outcome) => outcome.status !== 200,
      1_200,
      10,
    );
    const liveDuringDrain = await get(`${base}/health/live`, false);
    const code = await exited;
    await load;
    const results = await Promise.all(outcomes);

    expect(readyDuringDrain.status).toBe(503);
    expect(liveDuringDrain).toMatchObject({ status: 200 });
    expect(code).toBe(0);
    const before = results.filter((r) => r.startedBeforeSignal);
    expect(before.length).toBeGreaterThanOrEqual(100);
    expect(before.filter((r) => r.status !== 200)).toEqual([]);
    // Clients that ignore readiness are still served during the drain; once the server stops accepting,
    // a request arriving while it closes gets 503 ("go elsewhere"); then connections are refused or reset
    // before a request is read. Nothing else: no 500, no response cut off half-way.
    const after = results.filter((r) => !r.startedBeforeSignal);
    expect(after.filter((r) => r.status === 200).length).toBeGreaterThan(0);
    expect(after.filter((r) => r.status !== undefined && r.status !== 200 && r.status !== 503)).toEqual([]);
    expect(
      after.filter((r) => r.status === undefined && !['ECONNREFUSED', 'ECONNRESET'].includes(r.error ?? '')),
    ).toEqual([]);
  });
});
