import {
  ApiUnavailableError,
  runLoad,
  type LoadSummary,
  type ProgressSnapshot,
} from '../../../load-generator';
import { freePort } from '../../../tooling/free-port';
import { startApi, type RunningApi } from './support/api-harness';

/** The load generator (`npm run load`) driving the real API on a fresh PostgreSQL database. */
describe('load generator against the real API (real PostgreSQL)', () => {
  let api: RunningApi;
  let summary: LoadSummary;
  const progress: ProgressSnapshot[] = [];

  beforeAll(async () => {
    api = await startApi();
    summary = await runLoad(
      {
        url: api.baseUrl,
        rate: 40,
        durationMs: 4_000,
        connections: 4,
        badRatio: 0.2,
        declineRatio: 0.3,
        cancelRatio: 0.1,
        idempotencyRatio: 0.5,
        replayRatio: 0.6,
        customers: 10,
        settleMs: 20_000,
        seed: 20_250_101,
        keyFile: api.keyFile,
      },
      { onProgress: (p) => progress.push(p) },
    );
  }, 90_000);

  afterAll(async () => {
    await api?.close();
  });

  it('sends the whole mix: catalog reads, orders, bad bodies, unknown SKUs, malformed ids, unknown routes, bad tokens', () => {
    expect(Object.keys(summary.statuses)).toEqual(
      expect.arrayContaining(['200', '202', '400', '401', '404', '422']),
    );
    expect(Object.keys(summary.actions)).toEqual(
      expect.arrayContaining([
        'browse',
        'product',
        'order',
        'read',
        'list',
        'replay',
        'bad-body',
        'unknown-sku',
        'bad-id',
        'unknown-route',
        'bad-token',
      ]),
    );
    const counted = Object.values(summary.statuses).reduce((a, b) => a + b, 0);
    expect(counted).toBe(summary.requests);
    expect(summary.requests).toBeGreaterThan(100); // 40 req/s for 4 s
    expect(summary.throughput).toBeGreaterThan(20);
    expect(summary.durationSeconds).toBeGreaterThanOrEqual(4);
    expect(summary.stoppedBy).toBe('duration');
  });

  it('gets no 5xx, no timeouts, no connection errors and no unexpected statuses', () => {
    expect(Object.keys(summary.statuses).filter((s) => s.startsWith('5'))).toEqual([]);
    expect(summary.errors).toEqual({ total: 0, status5xx: 0, timeouts: 0, connection: 0 });
    expect(summary.unexpectedStatuses).toBe(0);
    expect(summary.intendedRejections).toBeGreaterThan(0);
    expect(summary.latencyMs.p50).toBeGreaterThan(0);
    expect(summary.latencyMs.p50!).toBeLessThanOrEqual(summary.latencyMs.p95!);
    expect(summary.latencyMs.p95!).toBeLessThanOrEqual(summary.latencyMs.p99!);
    expect(summary.latencyMs.p99!).toBeLessThanOrEqual(summary.latencyMs.max!);
  });

  it('replays keyed orders and sees Idempotent-Replayed: true with the original order', () => {
    expect(summary.orders.replays).toBeGreaterThan(0);
    expect(summary.orders.replaysConfirmed).toBe(summary.orders.replays);
  });

  it('placed exactly the orders the database holds, no more (replays and bad requests create none)', async () => {
    const [{ orders, load }] = await api.db.query<{ orders: number; load: number }>(
      `SELECT count(*)::int AS orders, count(*) FILTER (WHERE customer_id LIKE 'c-load-%')::int AS load FROM orders`,
    );
    expect(summary.orders.placed).toBeGreaterThan(10);
    expect(orders).toBe(summary.orders.placed);
    expect(load).toBe(orders);
    const [{ keyed }] = await api.db.query<{ keyed: number }>(
      `SELECT count(*)::int AS keyed FROM orders WHERE idempotency_key IS NOT NULL`,
    );
    expect(keyed).toBe(summary.orders.withIdempotencyKey);
  });

  it('reports the outcome of every order placed: completed ones and PAYMENT_DECLINED failures', async () => {
    const outcomes = summary.outcomes!;
    expect(outcomes.checked).toBe(summary.orders.placed);
    expect(outcomes.completed).toBeGreaterThan(0);
    expect(outcomes.failed.PAYMENT_DECLINED).toBeGreaterThan(0);
    expect(outcomes.unknown).toBe(0);
    expect(outcomes.running).toEqual({});
    const failed = Object.values(outcomes.failed).reduce((a, b) => a + b, 0);
    expect(outcomes.completed + failed + outcomes.cancelled).toBe(outcomes.checked);

    const rows = await api.db.query<{ status: string; n: number }>(
      `SELECT status, count(*)::int AS n FROM orders GROUP BY status`,
    );
    const byStatus = Object.fromEntries(rows.map((r) => [r.status, r.n]));
    expect(byStatus.COMPLETED ?? 0).toBe(outcomes.completed);
    expect(byStatus.CANCELLED ?? 0).toBe(outcomes.cancelled);
    expect(byStatus.FAILED ?? 0).toBe(failed);
  });

  it('reported progress about once per second with running totals', () => {
    expect(progress.length).toBeGreaterThanOrEqual(3);
    expect(progress.length).toBeLessThanOrEqual(5);
    for (let i = 1; i < progress.length; i++) {
      expect(progress[i].requests).toBeGreaterThanOrEqual(progress[i - 1].requests);
      expect(progress[i].elapsedMs).toBeGreaterThan(progress[i - 1].elapsedMs);
    }
    expect(progress[progress.length - 1].requests).toBeLessThanOrEqual(summary.requests);
    expect(progress.some((p) => p.rate > 0 && p.p95 !== null)).toBe(true);
  });

  it('stops on an aborted signal when no duration is given and still resolves the summary', async () => {
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 1_500);
    const stopped = await runLoad(
      { url: api.baseUrl, rate: 20, connections: 2, settleMs: 0, keyFile: api.keyFile },
      { signal: stop.signal },
    );
    expect(stopped.stoppedBy).toBe('signal');
    // The load starts after a preflight request, so it ran for up to the 1.5 s before the abort.
    expect(stopped.durationSeconds).toBeGreaterThan(1.0);
    expect(stopped.durationSeconds).toBeLessThan(5);
    expect(stopped.requests).toBeGreaterThan(0);
    expect(stopped.errors.total).toBe(0);
    expect(stopped.outcomes).toBeNull();
  });

  it('refuses to start against an API that is not listening, saying so in one line', async () => {
    const port = await freePort();
    const attempt = runLoad({ url: `http://127.0.0.1:${port}`, durationMs: 1_000, keyFile: api.keyFile });
    await expect(attempt).rejects.toThrow(ApiUnavailableError);
    await expect(attempt).rejects.toThrow(
      `cannot reach the API at http://127.0.0.1:${port}: connection refused (ECONNREFUSED)`,
    );
  });
});
