import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { waitFor } from '../../../test/support/wait-for';

const REPO_ROOT = path.resolve(__dirname, '../../..');
/** The Node.js release the project pins: the `node` package, whose binary npm scripts run on. */
const PINNED = (
  JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
    devDependencies: Record<string, string>;
  }
).devDependencies.node;

/** The host's own PATH: what a shell has before npm puts the project's `node_modules/.bin` first. */
const HOST_PATH = (process.env.PATH ?? '')
  .split(path.delimiter)
  .filter((entry) => !entry.includes(`node_modules${path.sep}.bin`) && !entry.includes('node-gyp-bin'))
  .join(path.delimiter);

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

  describe('`npm start` from a shell whose own `node` is the host’s', () => {
    let dataDir: string;
    let npmStart: ChildProcess | undefined;
    let output = '';

    beforeAll(async () => {
      dataDir = await mkdtemp(path.join(tmpdir(), 'orders-runtime-'));
    });
    afterAll(async () => {
      // npm does not pass signals on to its script: stop the whole process group it leads.
      if (npmStart?.pid && npmStart.exitCode === null) {
        const exited = new Promise((resolve) => npmStart!.once('exit', resolve));
        process.kill(-npmStart.pid, 'SIGTERM');
        await exited;
      }
      await rm(dataDir, { recursive: true, force: true });
    });

    it('serves on the pinned release and says so in app_info and its start-up line', async () => {
      const env = {
        PATH: HOST_PATH,
        HOME: process.env.HOME,
        HOST: '127.0.0.1',
        PORT: '0',
        METRICS_PORT: '0',
        LOG_LEVEL: 'info',
        EMBEDDED_DATABASE_DIR: dataDir,
        EMBEDDED_DATABASE_PORT: '0',
        AUTH_LOCAL_KEY_FILE: path.join(dataDir, 'local-signing-key.json'),
        SHUTDOWN_READINESS_DRAIN_MS: '0',
      };
      const hostNode = execFileSync('node', ['--version'], { env, encoding: 'utf8' }).trim();
      npmStart = spawn('npm', ['start'], {
        cwd: REPO_ROOT,
        env,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      npmStart.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      npmStart.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));

      await waitFor(
        async () => /listening on http/.test(output) || npmStart!.exitCode !== null,
        Boolean,
        90_000,
        100,
      );
      expect(npmStart.exitCode).toBeNull();
      const listening = output.split('\n').find((line) => line.includes('orders API listening on')) ?? '';
      expect({ hostNode, listening }).toEqual({
        hostNode,
        listening: expect.stringContaining(`Node.js v${PINNED}`),
      });
      const metricsUrl = /metrics on http:\/\/[^:]+:(\d+)\/metrics/.exec(output)?.[1];
      const metrics = await (await fetch(`http://127.0.0.1:${metricsUrl}/metrics`)).text();
      expect(metrics).toMatch(new RegExp(`^app_info\\{[^}]*runtime_version="${PINNED}"[^}]*\\} 1$`, 'm'));
    });
  });
});
