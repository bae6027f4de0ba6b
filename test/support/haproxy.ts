import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '../../tooling/repo-root';
import { freePort } from '../../tooling/free-port';
import { requireServer } from '../../tooling/real-servers';
import { startServerProcess } from '../../tooling/processes';
import { waitFor } from '../../tooling/wait-for';

export const HAPROXY_CONFIG = path.join(REPO_ROOT, 'ops/haproxy/haproxy.cfg');

export interface Haproxy {
  /** Where clients connect. */
  url: string;
  /** HAProxy's management listener (/stats, /metrics). */
  adminUrl: string;
  /** Each backend server's state as HAProxy sees it (`UP`, `DOWN`, `MAINT`, `UP 1/2`…), by server name. */
  servers(): Promise<Record<string, string>>;
  /** Waits until every server HAProxy knows is `UP`. */
  allUp(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/** Runs Debian's HAProxy with the project's configuration (ops/haproxy/haproxy.cfg) in front of `servers`. */
export async function startHaproxy(servers: [string, string]): Promise<Haproxy> {
  const [port, adminPort] = [await freePort(), await freePort()];
  const dir = await mkdtemp(path.join(tmpdir(), 'orders-haproxy-'));
  const adminUrl = `http://127.0.0.1:${adminPort}`;
  const server = await startServerProcess(requireServer('haproxy'), ['-W', '-db', '-f', HAPROXY_CONFIG], {
    env: {
      ORDERS_LB_BIND: `127.0.0.1:${port}`,
      ORDERS_LB_ADMIN_BIND: `127.0.0.1:${adminPort}`,
      ORDERS_LB_RUNTIME_SOCKET: path.join(dir, 'runtime.sock'),
      ORDERS_API_1: servers[0],
      ORDERS_API_2: servers[1],
    },
    readyUrl: `${adminUrl}/stats`,
  }).catch(async (error: unknown) => {
    await rm(dir, { recursive: true, force: true });
    throw error;
  });
  const states = async () => {
    const csv = await (await fetch(`${adminUrl}/stats;csv`)).text();
    const [header, ...rows] = csv.replace(/^# /, '').trim().split('\n');
    const columns = header.split(',');
    const [proxy, name, status] = ['pxname', 'svname', 'status'].map((c) => columns.indexOf(c));
    return Object.fromEntries(
      rows
        .map((row) => row.split(','))
        .filter((cells) => cells[proxy] === 'api' && !['FRONTEND', 'BACKEND'].includes(cells[name]))
        .map((cells) => [cells[name], cells[status]]),
    );
  };
  return {
    url: `http://127.0.0.1:${port}`,
    adminUrl,
    servers: states,
    async allUp(timeoutMs = 30_000) {
      await waitFor(states, (s) => Object.values(s).every((state) => state === 'UP'), timeoutMs, 100);
    },
    async stop() {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
