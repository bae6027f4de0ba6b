import { Test } from '@nestjs/testing';
import { register, type Gauge } from 'prom-client';
import { createTestDatabase, type TestDatabase } from '../../../../tooling/database';
import { waitFor } from '../../../../tooling/wait-for';
import { Client } from 'pg';
import { ADVISORY_LOCK_NAMESPACE, ADVISORY_LOCKS, AdvisoryLease } from '../advisory-lock';
import { makeDatabaseGaugeProvider } from './database-gauge.provider';
import { DatabaseGaugesLease } from './database-gauges-lease.service';
import { DatabaseGaugesModule } from './database-gauges.module';

const INTERVAL_MS = 100;

/** Two gauges as the domain declares them: one with labels, one without (whose reset() would leave a 0). */
const gauges = [
  makeDatabaseGaugeProvider({
    name: 'test_rows_by_state',
    help: 'rows by state',
    labelNames: ['state'],
    collect(this: Gauge<'state'>) {
      this.set({ state: 'open' }, 3);
      this.set({ state: 'closed' }, 4);
    },
  }),
  makeDatabaseGaugeProvider({
    name: 'test_oldest_row_age_seconds',
    help: 'age of the oldest row',
    collect(this: Gauge) {
      this.set(42);
    },
  }),
];

async function exported(): Promise<string[]> {
  const text = await register.metrics();
  return text.split('\n').filter((line) => /^(test_|database_gauges_leader)/.test(line));
}

const LEADER_SAMPLES = [
  'test_rows_by_state{state="open"} 3',
  'test_rows_by_state{state="closed"} 4',
  'test_oldest_row_age_seconds 42',
  'database_gauges_leader 1',
];

/** The lease on a real PostgreSQL, against another session holding the same advisory lock. */
describe('DatabaseGaugesModule (real PostgreSQL)', () => {
  let db: TestDatabase;
  const start = async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [DatabaseGaugesModule.forRoot({ url: db.url, leaseIntervalMs: INTERVAL_MS })],
      providers: gauges,
    }).compile();
    const app = moduleRef.createNestApplication();
    await app.init();
    return app;
  };
  const otherReplica = () =>
    new AdvisoryLease({ url: db.url, name: 'databaseGauges', checkIntervalMs: INTERVAL_MS });

  beforeEach(async () => {
    register.clear();
    db = await createTestDatabase();
  });
  afterEach(async () => {
    register.clear();
    await db.drop();
  });

  it('exports the gauges from a process that holds the lease, and says so', async () => {
    const app = await start();
    try {
      expect(app.get(DatabaseGaugesLease).held).toBe(true);
      expect((await exported()).sort()).toEqual([...LEADER_SAMPLES].sort());
    } finally {
      await app.close();
    }
  });

  it('exports no series at all (not zeros) while another replica holds it, and takes over when that one dies', async () => {
    const other = new Client({ connectionString: db.url, application_name: 'other-replica' });
    await other.connect();
    other.on('error', () => undefined); // terminated below
    await other.query('SELECT pg_advisory_lock($1, $2)', [
      ADVISORY_LOCK_NAMESPACE,
      ADVISORY_LOCKS.databaseGauges,
    ]);
    const app = await start();
    try {
      expect(app.get(DatabaseGaugesLease).held).toBe(false);
      expect(await exported()).toEqual(['database_gauges_leader 0']);

      // The other replica's session ends as a killed process' does: PostgreSQL releases its lock.
      await db.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
          WHERE datname = current_database() AND application_name = 'other-replica'`,
      );
      const took = Date.now();
      await waitFor(async () => app.get(DatabaseGaugesLease).held, Boolean, 5_000, 10);
      expect(Date.now() - took).toBeLessThan(5 * INTERVAL_MS + 1_000);
      expect((await exported()).sort()).toEqual([...LEADER_SAMPLES].sort());
    } finally {
      await app.close();
      await other.end().catch(() => undefined);
    }
  });

  it('lets go on shutdown, so another replica takes over at its next try', async () => {
    const app = await start();
    const other = otherReplica();
    try {
      expect(await other.start()).toBe(false);
      await app.close();
      await waitFor(async () => other.held, Boolean, 5_000, 10);
    } finally {
      await other.stop();
    }
  });
});
