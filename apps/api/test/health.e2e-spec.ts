import { ADMIN_URL } from '../../../tooling/database';
import { waitFor } from '../../../tooling/wait-for';
import { Client } from 'pg';
import { startApi, type RunningApi } from './support/api-harness';

/** Readiness through a real database outage: connections refused and terminated by PostgreSQL itself. */
describe('health probes (real PostgreSQL outage)', () => {
  let api: RunningApi;
  const admin = async (sql: string) => {
    const client = new Client({ connectionString: ADMIN_URL });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };

  beforeAll(async () => {
    api = await startApi();
  });
  afterAll(async () => {
    await admin(`ALTER DATABASE ${api.db.name} ALLOW_CONNECTIONS true`).catch(() => undefined);
    await api?.close();
  });

  it('is live and ready when healthy, with details for each check', async () => {
    const live = await api.request('GET', '/health/live');
    expect(live.status).toBe(200);
    expect(live.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(live.body).toEqual({ status: 'ok', info: {}, error: {}, details: {} });
    const ready = await api.request('GET', '/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({
      status: 'ok',
      details: { database: { status: 'up' }, event_loop: { status: 'up' }, memory_heap: { status: 'up' } },
    });
  });

  it('turns readiness 503 with details while the database refuses connections, keeps liveness, and recovers', async () => {
    await admin(`ALTER DATABASE ${api.db.name} ALLOW_CONNECTIONS false`);
    await admin(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${api.db.name}'`);

    const down = await waitFor(
      () => api.request('GET', '/health/ready'),
      (r) => r.status === 503,
      10_000,
      100,
    );
    expect(down.body).toMatchObject({
      status: 'error',
      error: { database: { status: 'down' } },
      details: { event_loop: { status: 'up' } },
    });
    expect((await api.request('GET', '/health/live')).status).toBe(200);

    const started = Date.now();
    const order = await api.request('GET', '/orders/00000000-0000-4000-8000-000000000000');
    expect(order.status).toBe(503);
    expect(order.body).toMatchObject({ code: 'DATABASE_UNAVAILABLE' });
    expect(order.headers.get('retry-after')).toBe('5');
    expect(Date.now() - started).toBeLessThan(5_000);

    await admin(`ALTER DATABASE ${api.db.name} ALLOW_CONNECTIONS true`);
    const up = await waitFor(
      () => api.request('GET', '/health/ready'),
      (r) => r.status === 200,
      15_000,
      200,
    );
    expect(up.body.details.database.status).toBe('up');
    expect((await api.request('GET', '/products')).status).toBe(200);
  });
});
