import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { freePort } from './free-port';
import { launch, waitUntilReady, type LaunchedProcess } from './processes';
import { requireServer } from './real-servers';

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
  let server: LaunchedProcess | undefined;
  let latest: LaunchedProcess | undefined; // its output stays readable once stopped

  const start = async () => {
    const started = launch(
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
      { inheritEnv: true, killAfterMs: 10_000, name: 'temporal server start-dev' },
    );
    server = latest = started;
    await waitUntilReady(started, { probe: () => frontendAnswers(address) }, 60_000);
  };

  const stop = async () => {
    const stopping = server;
    server = undefined;
    await stopping?.stop();
  };

  await start().catch(async (error: unknown) => {
    await stop();
    await rm(dir, { recursive: true, force: true });
    throw error;
  });
  return {
    address,
    metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
    output: () => latest?.output() ?? '',
    stop,
    start,
    close: async () => {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
