import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { REPO_ROOT } from '../../../tooling/repo-root';
import { isListening } from '../../../tooling/free-port';
import {
  HOST_PATH,
  runNpmScript,
  type NpmScript,
  descendantsOf,
  stillRunning,
} from '../../../tooling/processes';
import { waitFor } from '../../../tooling/wait-for';

/** The Node.js release the project pins: the `node` package, whose binary npm scripts run on. */
const PINNED = (
  JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
    devDependencies: Record<string, string>;
  }
).devDependencies.node;

describe('the pinned Node.js runtime', () => {
  it('runs the test runner and its worker threads', async () => {
    expect(process.versions.node).toBe(PINNED);
    const inWorker = await new Promise<string>((resolve, reject) => {
      const worker = new Worker(
        "require('node:worker_threads').parentPort.postMessage(process.versions.node)",
        {
          eval: true,
        },
      );
      worker.once('message', (version: string) => {
        resolve(version);
        void worker.terminate();
      });
      worker.once('error', reject);
    });
    expect(inWorker).toBe(PINNED);
  });

  // One suite builds and starts the API with `npm start`: two at once would build into the same dist/.
  describe('`npm start` from a shell whose own `node` is the host’s', () => {
    let dataDir: string;
    let npmStart: NpmScript | undefined;
    let output = '';

    beforeAll(async () => {
      dataDir = await mkdtemp(path.join(tmpdir(), 'orders-runtime-'));
    });
    afterAll(async () => {
      await npmStart?.killGroup(); // only left running when a test failed
      await rm(dataDir, { recursive: true, force: true });
    });

    it('serves on the pinned release and says so in app_info and its start-up line', async () => {
      const hostNode = execFileSync('node', ['--version'], {
        env: { PATH: HOST_PATH },
        encoding: 'utf8',
      }).trim();
      npmStart = runNpmScript(['start'], {
        HOST: '127.0.0.1',
        PORT: '0',
        METRICS_PORT: '0',
        LOG_LEVEL: 'info',
        EMBEDDED_DATABASE_DIR: dataDir,
        EMBEDDED_DATABASE_PORT: '0',
        AUTH_LOCAL_KEY_FILE: path.join(dataDir, 'local-signing-key.json'),
        SHUTDOWN_READINESS_DRAIN_MS: '0',
      });
      await npmStart.waitForOutput(/listening on http/, 90_000);
      output = npmStart.output();
      const listening = output.split('\n').find((line) => line.includes('orders API listening on')) ?? '';
      expect({ hostNode, listening }).toEqual({
        hostNode,
        listening: expect.stringContaining(`Node.js v${PINNED}`),
      });
      const metricsUrl = /metrics on http:\/\/[^:]+:(\d+)\/metrics/.exec(output)?.[1];
      const metrics = await (await fetch(`http://127.0.0.1:${metricsUrl}/metrics`)).text();
      expect(metrics).toMatch(new RegExp(`^app_info\\{[^}]*runtime_version="${PINNED}"[^}]*\\} 1$`, 'm'));
    });

    it('stops on SIGTERM to npm’s own pid, and leaves no process or port behind', async () => {
      const port = (pattern: RegExp) => Number(pattern.exec(output)?.[1]);
      const ports = {
        api: port(/orders API listening on http:\/\/[^:]+:(\d+)/),
        metrics: port(/metrics on http:\/\/[^:]+:(\d+)\/metrics/),
        embeddedDatabase: port(/listening at postgresql:\/\/[^@]+@[^:]+:(\d+)/),
      };
      expect(Object.values(ports).every((p) => p > 0)).toBe(true);
      const ready = await fetch(`http://127.0.0.1:${ports.api}/health/ready`);
      expect(ready.status).toBe(200);

      const tree = descendantsOf(npmStart!.pid);
      process.kill(npmStart!.pid, 'SIGTERM');
      // Within the drain time: nothing is in flight, and running sagas would get at most 10 s.
      await waitFor(async () => npmStart!.hasExited(), Boolean, 10_000, 50);
      expect(stillRunning(tree.map((entry) => entry.pid))).toEqual([]);
      expect(await npmStart!.exited).toBe(0); // the API drained and exited 0, and npm with it
      // The script execs the API: npm's only descendant was the API itself, no shell in between.
      expect(tree).toEqual([
        { pid: expect.any(Number), ppid: npmStart!.pid, command: 'node dist/apps/api/main.js' },
      ]);
      expect(npmStart!.output()).toContain('SIGTERM received, shutting down');
      expect({
        api: await isListening(ports.api),
        metrics: await isListening(ports.metrics),
        embeddedDatabase: await isListening(ports.embeddedDatabase),
      }).toEqual({ api: false, metrics: false, embeddedDatabase: false });
    });
  });
});
