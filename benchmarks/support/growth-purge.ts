import { performance } from 'node:perf_hooks';
import { PURGE_FROM_OLDEST, WebhookRetention, WebhookRetentionRepository } from '@app/webhooks';
import { DataSource } from 'typeorm';
import { loadJobsConfig } from '../../apps/jobs/src/config/jobs.config';
import { waitFor } from '../../tooling/wait-for';
import type { BenchDatabase } from './bench-database';

/** What the purge measurement may use at one size. */
export interface PurgeContext {
  db: BenchDatabase;
  /** Orders in the database before the batch. */
  orders: number;
  /** The environment the jobs run with (DATABASE_URL, OTLP), to start the purge as its job does. */
  jobEnv: Record<string, string>;
}

/** One retention purge batch at one size, or why there is none to time. */
export type PurgeMeasurement =
  | {
      available: true;
      /** Duration of each batch timed, in ms (a batch deletes rows: each one is a sample of its own). */
      samplesMs: number[];
      /** Orders (or rows) one batch deleted: what the durations are for. */
      deletedPerBatch: number;
      /**
       * Buffers of the two tables (heap, TOAST and indexes) the timed batches found in PostgreSQL's shared
       * buffers (`hit`) or had to read (`read`: from the operating system's cache or the disk), per batch.
       */
      buffersPerBatch: { hit: number; read: number };
    }
  | { available: false; reason: string };

/**
 * Batches timed at each size, after one untimed batch: the connection's first statements are planned, and a
 * run's first batch also steps over the index entries of rows deleted since the last vacuum.
 */
const TIMED_BATCHES = 5;

const PURGED_TABLES = ['webhook_deliveries', 'webhook_events'];

/** Buffers of the purged tables found in shared buffers and read, as PostgreSQL counts them so far. */
async function bufferCounts(db: BenchDatabase): Promise<{ hit: number; read: number }> {
  const [row] = await db.query<{ hit: string; read: string }>(
    `SELECT sum(heap_blks_hit + COALESCE(idx_blks_hit, 0) + COALESCE(toast_blks_hit, 0)
               + COALESCE(tidx_blks_hit, 0))::text AS hit,
            sum(heap_blks_read + COALESCE(idx_blks_read, 0) + COALESCE(toast_blks_read, 0)
               + COALESCE(tidx_blks_read, 0))::text AS read
       FROM pg_statio_user_tables WHERE relname = ANY ($1)`,
    [PURGED_TABLES],
  );
  return { hit: Number(row.hit), read: Number(row.read) };
}

/**
 * One batch of the retention purge of webhook data, as the jobs run it: the jobs' configuration from
 * `jobEnv` (retention windows and batch size, the defaults unless set), then `WebhookRetention.purgeBatch`
 * — the deliveries delivered or dead past their retention, oldest first, with the events left without
 * deliveries, in one transaction. The fill delivers events as their orders change over two years, so most
 * are past the 30-day window at every size. Each timed batch is a sample; the size shrinks by the rows they
 * delete (deliveries and events; orders, the business records, are never purged).
 */
export async function measurePurgeBatch(context: PurgeContext): Promise<PurgeMeasurement> {
  const { webhookRetention } = loadJobsConfig({ ...context.jobEnv, DATABASE_URL: context.db.url });
  const dataSource = await new DataSource({
    type: 'postgres',
    url: context.db.url,
    applicationName: 'growth-purge',
  }).initialize();
  try {
    const retention = new WebhookRetention(new WebhookRetentionRepository(dataSource));
    // Each batch starts where the one before stopped, as in a run of the job.
    let from = PURGE_FROM_OLDEST;
    const batch = async () => {
      const started = performance.now();
      const purged = await retention.purgeBatch(webhookRetention.policy, webhookRetention.batchSize, from);
      const ms = performance.now() - started;
      from = purged.next;
      return { ms, rows: purged.deliveries + purged.events, full: purged };
    };
    const warmUp = await batch();
    if (warmUp.full.deliveries < webhookRetention.batchSize)
      return {
        available: false,
        reason: `fewer than a batch of webhook deliveries past their retention (${warmUp.full.deliveries} purged)`,
      };
    const samples: Array<{ ms: number; rows: number }> = [];
    const before = await bufferCounts(context.db);
    let timedBatches = 0;
    for (let n = 0; n < TIMED_BATCHES; n++) {
      const timed = await batch();
      timedBatches += 1;
      // A short batch did less work than the others: it is not a sample of a batch.
      if (timed.full.deliveries < webhookRetention.batchSize) break;
      samples.push(timed);
    }
    if (samples.length === 0)
      return { available: false, reason: 'the webhook deliveries past their retention ran out' };
    const rows = samples.map((sample) => sample.rows).sort((a, b) => a - b);
    return {
      available: true,
      samplesMs: samples.map((sample) => sample.ms),
      deletedPerBatch: rows[Math.floor(rows.length / 2)],
      buffersPerBatch: await buffersSince(before, timedBatches, dataSource, context.db),
    };
  } finally {
    if (dataSource.isInitialized) await dataSource.destroy();
  }
}

/**
 * The buffers per batch since `before`. A session reports its counts to the cumulative statistics at most
 * once a second while it runs, and all of them when it ends: the purge's connections are closed first, and
 * their ending awaited.
 */
async function buffersSince(
  before: { hit: number; read: number },
  batches: number,
  dataSource: DataSource,
  db: BenchDatabase,
): Promise<{ hit: number; read: number }> {
  await dataSource.destroy();
  await waitFor(
    () =>
      db.query<{ n: string }>(
        `SELECT count(*)::text AS n FROM pg_stat_activity WHERE application_name = 'growth-purge'`,
      ),
    ([{ n }]) => n === '0',
    10_000,
    50,
  );
  const after = await bufferCounts(db);
  return { hit: (after.hit - before.hit) / batches, read: (after.read - before.read) / batches };
}
