import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadOrCreateLocalSigningKey, signAccessToken } from '@app/auth';
import { decodeJwt } from 'jose';
import { ApiUnavailableError } from './api-client';
import { runLoad } from './run-load';

/**
 * A stand-in for the API that answers order placements slowly, so requests are still in flight when
 * the run ends, and remembers every order it created, for the customer its bearer token names.
 */
class SlowOrderApi {
  readonly created = new Map<string, string>();
  readonly keys = new Map<string, string>();
  ready = 200;
  private server!: Server;

  constructor(private readonly orderLatencyMs: number) {}

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let text = '';
    for await (const chunk of req) text += String(chunk);
    const url = new URL(req.url!, 'http://x');
    const json = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
    };
    if (url.pathname === '/health/ready') return json(this.ready, {});
    if (url.pathname === '/health/live') return json(200, {});
    if (url.pathname === '/products')
      return json(200, { items: [{ sku: 'SKU-1' }, { sku: 'SKU-2' }], nextCursor: null });
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const customerId = token ? decodeJwt(token).sub : undefined; // a stand-in: no signature check
    if (url.pathname.startsWith('/orders') && !customerId) return json(401, {});
    if (req.method === 'POST' && url.pathname === '/orders') {
      await new Promise((resolve) => setTimeout(resolve, this.orderLatencyMs));
      JSON.parse(text);
      const key = req.headers['idempotency-key'] as string | undefined;
      const existing = key && this.keys.get(`${customerId}/${key}`);
      if (existing)
        return json(
          202,
          { id: existing },
          { location: `/orders/${existing}`, 'idempotent-replayed': 'true' },
        );
      const id = randomUUID();
      this.created.set(id, customerId!);
      if (key) this.keys.set(`${customerId}/${key}`, id);
      return json(202, { id }, { location: `/orders/${id}` });
    }
    if (req.method === 'GET' && url.pathname === '/orders') {
      const items = [...this.created]
        .filter(([, c]) => c === customerId)
        .map(([id]) => ({ id, status: 'COMPLETED', failureReason: null }));
      return json(200, { items, nextCursor: null });
    }
    return json(404, {});
  }
}

describe('runLoad', () => {
  let api: SlowOrderApi;
  let url: string;
  let dir: string;
  let keyFile: string;

  beforeEach(async () => {
    api = new SlowOrderApi(250);
    url = await api.start();
    dir = await mkdtemp(path.join(tmpdir(), 'run-load-'));
    keyFile = path.join(dir, 'key.json');
    await loadOrCreateLocalSigningKey(keyFile);
  });
  afterEach(async () => {
    await api.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('waits for the answers in flight when the run ends, so every order the API created is counted', async () => {
    const summary = await runLoad({
      url,
      rate: 40,
      connections: 4,
      durationMs: 1_200, // every connection is mid-request (250 ms each) at this moment
      mix: { browse: 0, product: 0, order: 1, read: 0, list: 0 },
      badRatio: 0,
      idempotencyRatio: 0.5,
      replayRatio: 1,
      settleMs: 2_000,
      seed: 1,
      keyFile,
    });
    expect(api.created.size).toBeGreaterThan(10);
    expect(summary.orders.placed).toBe(api.created.size);
    expect(summary.orders.withIdempotencyKey).toBe(api.keys.size);
    expect(summary.orders.replaysConfirmed).toBe(summary.orders.replays);
    expect(summary.outcomes).toMatchObject({
      checked: api.created.size,
      completed: api.created.size,
      unknown: 0,
    });
    expect(summary.errors.total).toBe(0);
    expect(summary.latencyMs.p50).toBeGreaterThanOrEqual(250); // measured per request, from send to answer
    expect(summary.statuses).toEqual({ '202': summary.requests });
    expect(new Set(api.created.values()).size).toBeGreaterThan(1); // several customers, one token each
  });

  it('sends every request with one token when given one, as its subject', async () => {
    const key = await loadOrCreateLocalSigningKey(keyFile);
    const token = await signAccessToken(key, { subject: 'c-single' });
    const summary = await runLoad({
      url,
      rate: 20,
      connections: 2,
      durationMs: 600,
      mix: { browse: 0, product: 0, order: 1, read: 0, list: 0 },
      badRatio: 0,
      settleMs: 2_000,
      seed: 2,
      token,
    });
    expect(new Set(api.created.values())).toEqual(new Set(['c-single']));
    expect(summary.outcomes).toMatchObject({ checked: api.created.size, completed: api.created.size });
  });

  it('refuses to start without the API’s signing key, saying where it looked', async () => {
    const missing = path.join(dir, 'nothing-here.json');
    await expect(runLoad({ url, durationMs: 1_000, keyFile: missing })).rejects.toThrow(
      `no local signing key at ${missing}`,
    );
  });

  it('refuses to start when the API is not ready', async () => {
    api.ready = 503;
    await expect(runLoad({ url, durationMs: 1_000, keyFile })).rejects.toThrow(
      new ApiUnavailableError(`the API at ${url} is not ready: GET /health/ready answered 503`),
    );
  });
});
