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
    }
  | { available: false; reason: string };

/**
 * One batch of the retention purge of order data (orders past their retention, with their lines,
 * history, payments, shipments, events and deliveries), run the way its job runs it. The jobs purge
 * expired restock idempotency keys only, a table that does not grow with orders; no purge of order data
 * exists yet, so there is nothing to time. When it does: make some orders older than the retention (or
 * fill with a share of them), run its service for one batch as `growth-reconciliation-runner.ts` runs the
 * reconciliation, and return each batch's duration with what it deleted — the size shrinks by that much.
 */
export async function measurePurgeBatch(context: PurgeContext): Promise<PurgeMeasurement> {
  void context;
  return {
    available: false,
    reason:
      'not yet available: no retention purge of order data exists (the jobs purge expired restock keys only)',
  };
}
