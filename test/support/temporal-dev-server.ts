import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { freePort } from './free-port';
import { requireServer } from './real-servers';
import { waitFor } from './wait-for';

export interface TemporalDevServer {
  /** `host:port` of the frontend (gRPC), for TEMPORAL_ADDRESS. */
  address: string;
  /** The server's own Prometheus endpoint. */
  metricsUrl: string;
  output(): string;
  /** Stops the server (SIGTERM), keeping its database file. */
  stop(): Promise<void>;
  /** Starts it again on the same ports and database file. */
  start(): Promise<void>;
  /** Stops it and removes its database file. */
  close(): Promise<void>;
}

async function frontendAnswers(address: string): Promise<boolean> {
  try {
    const connection = await Connection.connect({ address, connectTimeout: 1_000 });
    try {
      await connection.healthService.check({});
      return true;
    } finally {
      await connection.close();
    }
  } catch {
    return false;
  }
}

/**
 * The real Temporal server of the Temporal CLI (`temporal server start-dev`), with SQLite persistence in a
 * file of its own, on free ports, headless. Resolves once the frontend answers health checks.
 */
export async function startTemporalDevServer(): Promise<TemporalDevServer> {
  const binary = requireServer('temporal');
  const dir = await mkdtemp(path.join(tmpdir(), 'orders-temporal-'));
  const [port, httpPort, metricsPort] = [await freePort(), await freePort(), await freePort()];
  const address = `127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  let output = '';

  const start = async () => {
    output = '';
    const server = spawn(
      binary,
      [
        'server',
        'start-dev',
        '--headless',
        '--ip',
        '127.0.0.1',
        '--port',
        String(port),
        '--http-port',
        String(httpPort),
        '--metrics-port',
        String(metricsPort),
        '--db-filename',
        path.join(dir, 'temporal.db'),
        // A test server: its file survives a restart of the server, not of the machine, so it need not
        // wait for the disk at every write (on a busy machine that made workflow starts time out).
        '--sqlite-pragma',
        'journal_mode=wal',
        '--sqlite-pragma',
        'synchronous=off',
        '--log-level',
        'warn',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child = server;
    server.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    server.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await waitFor(
      async () =>
        server.exitCode !== null ? 'exited' : (await frontendAnswers(address)) ? 'up' : 'starting',
      (state) => state !== 'starting',
      60_000,
      200,
    );
    if (server.exitCode !== null) throw new Error(`temporal server start-dev exited:\n${output}`);
  };

  const stop = async () => {
    const server = child;
    child = undefined;
    if (!server || server.exitCode !== null || server.signalCode !== null) return;
    const exited = new Promise((resolve) => server.once('exit', resolve));
    server.kill('SIGTERM');
    const killer = setTimeout(() => server.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(killer);
  };

  await start().catch(async (error: unknown) => {
    await stop();
    await rm(dir, { recursive: true, force: true });
    throw error;
  });
  return {
    address,
    metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
    output: () => output,
    stop,
    start,
    close: async () => {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
