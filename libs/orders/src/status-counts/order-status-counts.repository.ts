import { withAdvisoryLock } from '@app/database';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { ORDER_STATUS_COUNTS_SQL } from './order-status-counts.sql';

/** Longest a reconciliation's count may run: it reads every order, beyond the pool's statement timeout. */
export const RECONCILIATION_STATEMENT_TIMEOUT_MS = 600_000;

/** One status as a reconciliation found it: its true count, what was kept, and the difference added. */
export interface StatusReconciliation {
  status: string;
  actual: number;
  kept: number;
  /** `actual - kept`: added to the kept count as a delta. */
  drift: number;
}

/** A reconciliation that ran; `skipped` when another process had reconciled within the interval. */
export type ReconciliationOutcome =
  | { skipped: false; statuses: StatusReconciliation[]; durationMs: number }
  | { skipped: true; dueInSeconds: number };

/** The last reconciliation recorded in the database, by whichever process ran it. */
export interface LastReconciliation {
  /** Seconds since the epoch. */
  reconciledAt: number;
  durationMs: number;
  /** The drift corrected per status (signed; statuses without drift left out). */
  drift: Record<string, number>;
}

/**
 * The orders per status kept in the database as orders change (triggers on `orders` write a delta in the
 * transaction of each change): read them in constant time, fold the deltas into the totals, and reconcile
 * them with a real count. Statements: `ORDER_STATUS_COUNTS_SQL`.
 */
@Injectable()
export class OrderStatusCounts {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Orders per status (statuses without orders may be missing): totals plus the deltas not folded yet. */
  async read(): Promise<Map<string, number>> {
    const rows = await this.dataSource.query<Array<{ status: string; count: string }>>(
      ORDER_STATUS_COUNTS_SQL.read,
    );
    return new Map(rows.map((row) => [row.status, Number(row.count)]));
  }

  /** Adds every delta to its status's total. Safe beside writers, and beside another fold. */
  async fold(): Promise<void> {
    await this.dataSource.query(ORDER_STATUS_COUNTS_SQL.fold);
  }

  /** Seconds until a reconciliation is due at this interval; 0 when it is due now. */
  async reconciliationDueIn(intervalSeconds: number): Promise<number> {
    const [row] = await this.dataSource.query<Array<{ due_in: number }>>(
      ORDER_STATUS_COUNTS_SQL.reconciliationDueIn,
      [intervalSeconds],
    );
    return row ? Number(row.due_in) : 0;
  }

  async lastReconciliation(): Promise<LastReconciliation | null> {
    const [row] = await this.dataSource.query<
      Array<{ reconciled_at: number; duration_ms: number; drift: Record<string, number> }>
    >(ORDER_STATUS_COUNTS_SQL.lastReconciliation);
    return row
      ? { reconciledAt: Number(row.reconciled_at), durationMs: row.duration_ms, drift: row.drift }
      : null;
  }

  /**
   * Compares the kept counts with a count of every order, in one snapshot, and adds each difference as a
   * delta; records when it ran and what it corrected. One process at a time: the others wait for the
   * `orderStatusCounts` advisory lock, taken before the snapshot, so each sees the last one's correction.
   * Skipped when the last reconciliation (by any process) is more recent than `intervalSeconds`; pass 0
   * to reconcile now.
   */
  async reconcile(intervalSeconds: number): Promise<ReconciliationOutcome> {
    return withAdvisoryLock(this.dataSource, 'orderStatusCounts', async (runner) => {
      const started = performance.now();
      await runner.startTransaction('REPEATABLE READ');
      try {
        await runner.query(`SET LOCAL statement_timeout = ${RECONCILIATION_STATEMENT_TIMEOUT_MS}`);
        const [due] = (await runner.query(ORDER_STATUS_COUNTS_SQL.reconciliationDueIn, [
          intervalSeconds,
        ])) as Array<{ due_in: number }>;
        const dueInSeconds = due ? Number(due.due_in) : 0;
        if (dueInSeconds > 0) {
          await runner.rollbackTransaction();
          return { skipped: true, dueInSeconds };
        }
        // Counted and compared in the transaction's snapshot, then corrected in the same transaction: what
        // is added is the drift that snapshot shows, whatever committed since.
        const rows = (await runner.query(ORDER_STATUS_COUNTS_SQL.compare)) as Array<{
          status: string;
          actual: string;
          kept: string;
        }>;
        const statuses = rows.map((row) => ({
          status: row.status,
          actual: Number(row.actual),
          kept: Number(row.kept),
          drift: Number(row.actual) - Number(row.kept),
        }));
        const drifted = statuses.filter((s) => s.drift !== 0);
        if (drifted.length > 0)
          await runner.query(ORDER_STATUS_COUNTS_SQL.correct, [
            drifted.map((s) => s.status),
            drifted.map((s) => s.drift),
          ]);
        const drift = Object.fromEntries(drifted.map((s) => [s.status, s.drift]));
        const durationMs = Math.round(performance.now() - started);
        await runner.query(ORDER_STATUS_COUNTS_SQL.recordReconciliation, [durationMs, JSON.stringify(drift)]);
        await runner.commitTransaction();
        return { skipped: false, statuses, durationMs };
      } catch (error) {
        if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
        throw error;
      }
    });
  }
}
