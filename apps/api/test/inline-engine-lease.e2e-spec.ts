import { Client } from 'pg';
import { requestJson } from '../../../tooling/json-request';
import { isTerminalStatus, orderBody } from '../../../tooling/order-requests';
import { createTestDatabase, type TestDatabase } from '../../../tooling/database';
import { waitFor } from '../../../tooling/wait-for';
import { startApiProcess, type ApiProcess } from '../../../tooling/app-processes';

/** The inline engine's session, as its lease names it in pg_stat_activity. */
const LEASE_SESSIONS = `application_name LIKE 'orders-inline-engine/%'`;

/**
 * Every inline-engine process resumes every unfinished order, so two on one database would run the same
 * sagas twice: the engine holds an advisory lease, and a second API process refuses to start.
 */
describe('one inline engine per database (API processes, real PostgreSQL)', () => {
  let db: TestDatabase;
  let first: ApiProcess;

  const place = async (api: ApiProcess) =>
    requestJson(api.baseUrl, 'POST', '/orders', { body: orderBody(), headers: await api.tokens.headers() });
  const finalState = async (api: ApiProcess, id: string) =>
    waitFor(
      async () =>
        (await requestJson(api.baseUrl, 'GET', `/orders/${id}`, { headers: await api.tokens.headers() }))
          .body,
      isTerminalStatus,
      20_000,
      100,
    );

  beforeAll(async () => {
    db = await createTestDatabase('inline_lease');
    first = await startApiProcess({ DATABASE_URL: db.url });
  });
  afterAll(async () => {
    await first?.stop();
    await db?.drop();
  });

  it('refuses to start a second inline API on the same database, naming the fix; the first keeps serving', async () => {
    const second = await startApiProcess({ DATABASE_URL: db.url, AUTH_LOCAL_KEY_FILE: first.keyFile }).then(
      async (api) => {
        await api.stop();
        return 'started';
      },
      (error: Error) => error.message,
    );
    expect(second).toMatch(/exited with 1 before listening/);
    expect(second).toMatch(
      /Another process runs the inline workflow engine on this database \(session orders-inline-engine\//,
    );
    expect(second).toMatch(/The inline engine is for a single API process/);
    expect(second).toMatch(/TEMPORAL_ADDRESS/);

    const placed = await place(first);
    expect(placed.status).toBe(202);
    expect((await finalState(first, placed.body.id)).status).toBe('COMPLETED');
    expect((await fetch(`${first.baseUrl}/health/ready`)).status).toBe(200);
  }, 90_000);

  it('stops running sagas, refuses orders and turns unready when another process takes the lease it lost', async () => {
    // Another inline process taking the lease while this one's connection is gone (a database restart):
    // cut the lease's connection, and take the lock from a session named like a lease before it retakes it.
    const [{ classid, objid }] = await db.query<{ classid: number; objid: number }>(
      `SELECT l.classid, l.objid FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
        WHERE l.locktype = 'advisory' AND a.${LEASE_SESSIONS}`,
    );
    const other = new Client({ connectionString: db.url, application_name: 'orders-inline-engine/other' });
    await other.connect();
    try {
      await waitFor(
        async () => {
          await db.query(
            `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE ${LEASE_SESSIONS} AND pid <> $1`,
            [(await other.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid],
          );
          const { rows } = await other.query<{ taken: boolean }>(
            'SELECT pg_try_advisory_lock($1, $2) AS taken',
            [classid, objid],
          );
          return rows[0].taken;
        },
        Boolean,
        10_000,
        20,
      );

      const ready = await waitFor(
        async () => {
          const response = await fetch(`${first.baseUrl}/health/ready`);
          return { status: response.status, body: (await response.json()) as Record<string, any> };
        },
        (r) => r.status === 503,
        20_000,
        200,
      );
      expect(ready.body.error.inline_engine).toMatchObject({
        status: 'down',
        message: expect.stringMatching(
          /another process \(orders-inline-engine\/other, PostgreSQL pid \d+\) took the inline engine lease/,
        ),
      });
      // Log lines reach stdout in blocks: wait for the line rather than read stdout at once.
      await waitFor(
        async () => first.output(),
        (output) => /"log\.level":"error".*took the inline engine lease; this one runs no saga/.test(output),
        5_000,
        20,
      );
      const refused = await place(first);
      expect([refused.status, refused.body.code]).toEqual([503, 'WORKFLOW_ENGINE_UNAVAILABLE']);
      // Reads still work, and the process stays alive for its orchestrator to replace.
      expect((await fetch(`${first.baseUrl}/health/live`)).status).toBe(200);
      expect(
        (await requestJson(first.baseUrl, 'GET', '/products', { headers: await first.tokens.headers() }))
          .status,
      ).toBe(200);
    } finally {
      await other.end();
    }
  }, 90_000);
});
