import { returningRows } from '@app/database';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import {
  OVERDUE_DELIVERIES_SQL,
  OVERDUE_EVENT_AFTER_SQL,
  PURGE_DELIVERIES_SQL,
  PURGE_EVENTS_OF_SQL,
  SWEEP_EVENTS_SQL,
} from './webhook-retention.sql';
import type {
  WebhookEventSweepBatch,
  WebhookPurgeBatch,
  WebhookPurgeCursor,
  WebhookRetentionPolicy,
} from './webhook-retention.types';

interface PurgedDeliveriesRow {
  delivered: number;
  dead: number;
  event_seqs: string[];
  delivered_from: string | null;
  dead_from: string | null;
}

interface SweepRow {
  purged: number;
  last_seq: string | null;
  examined: number;
  reached_window: boolean;
}

/**
 * The retention statements of `webhook_deliveries` and `webhook_events` (`webhook-retention.sql.ts`). Each
 * method is one short transaction over a bounded number of rows.
 */
@Injectable()
export class WebhookRetentionRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Deletes at most `limit` purgeable deliveries from `from` on, then those of their events left without
   * any, in one transaction: an event goes in the same commit as its last delivery.
   */
  async purgeDeliveries(
    policy: WebhookRetentionPolicy,
    limit: number,
    from: WebhookPurgeCursor,
  ): Promise<WebhookPurgeBatch> {
    return this.dataSource.transaction(async (manager) => {
      const [row] = await returningRows<PurgedDeliveriesRow>(manager, PURGE_DELIVERIES_SQL, [
        policy.deliveredDays,
        policy.deadDays,
        limit,
        from.deliveredAt,
        from.deadAt,
      ]);
      const deliveries = row.delivered + row.dead;
      const next = { deliveredAt: row.delivered_from, deadAt: row.dead_from };
      if (row.event_seqs.length === 0) return { deliveries, events: 0, next };
      const [events] = await returningRows<{ purged: number }>(manager, PURGE_EVENTS_OF_SQL, [
        row.event_seqs,
      ]);
      return { deliveries, events: events.purged, next };
    });
  }

  /** Looks at the `limit` events after seq `afterSeq` and deletes those past the window with no delivery. */
  async sweepEvents(
    policy: WebhookRetentionPolicy,
    afterSeq: string,
    limit: number,
  ): Promise<WebhookEventSweepBatch> {
    const [row] = await returningRows<SweepRow>(this.dataSource, SWEEP_EVENTS_SQL, [
      policy.deliveredDays,
      afterSeq,
      limit,
    ]);
    return {
      events: row.purged,
      lastSeq: row.last_seq,
      done: row.reached_window || row.examined < limit,
    };
  }

  /** How far past its retention the oldest delivered or dead delivery still kept is (seconds; 0 if none). */
  async overdueDeliveries(policy: WebhookRetentionPolicy): Promise<number> {
    const [row] = await returningRows<{ delivered: number; dead: number }>(
      this.dataSource,
      OVERDUE_DELIVERIES_SQL,
      [policy.deliveredDays, policy.deadDays],
    );
    return Math.max(row.delivered, row.dead);
  }

  /** How far past the window (seconds; 0 if not) the first event after seq `afterSeq` was written. */
  async overdueEventAfter(policy: WebhookRetentionPolicy, afterSeq: string): Promise<number> {
    const [row] = await returningRows<{ overdue: number }>(this.dataSource, OVERDUE_EVENT_AFTER_SQL, [
      policy.deliveredDays,
      afterSeq,
    ]);
    return row.overdue;
  }
}
