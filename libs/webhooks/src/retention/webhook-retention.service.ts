import { Injectable } from '@nestjs/common';
import { WebhookRetentionRepository } from './webhook-retention.repository';
import {
  PURGE_FROM_OLDEST,
  type WebhookEventSweepBatch,
  type WebhookPurgeBatch,
  type WebhookPurgeCursor,
  type WebhookRetentionOverdue,
  type WebhookRetentionPolicy,
} from './webhook-retention.types';

/**
 * Retention of webhook data, one batch at a time (the jobs run the batches; a benchmark times one).
 *
 * - A delivery is purged once `delivered` for `deliveredDays` or `dead` for `deadDays`; a `pending` one never
 *   is, so per-order ordering (which waits on earlier pending deliveries) and the dispatcher lose nothing.
 * - An event is purged once it has no delivery left: with its last delivery, or (no delivery at all, its
 *   endpoints deleted) by the sweep once it is older than `deliveredDays`. An event with a pending delivery
 *   always stays.
 * - A purged delivery can no longer be listed or redelivered (`404 WEBHOOK_DELIVERY_NOT_FOUND`). Orders and
 *   their history are business records and stay.
 */
@Injectable()
export class WebhookRetention {
  constructor(private readonly repository: WebhookRetentionRepository) {}

  /**
   * One batch: at most `batchSize` purgeable deliveries (delivered first, each kind oldest first, skipping
   * rows another transaction holds) and their events left without deliveries, in one short transaction.
   * Fewer than `batchSize` deliveries means none was left to purge. A run passes each batch the `next` of
   * the one before (the first starts from the oldest), so that each reads the same few index pages however
   * much the run already deleted.
   */
  async purgeBatch(
    policy: WebhookRetentionPolicy,
    batchSize: number,
    from: WebhookPurgeCursor = PURGE_FROM_OLDEST,
  ): Promise<WebhookPurgeBatch> {
    return this.repository.purgeDeliveries(policy, batchSize, from);
  }

  /**
   * One batch of the sweep of events without deliveries: the `batchSize` events after seq `afterSeq` (`'0'`
   * to start) are looked at, those older than `deliveredDays` with no delivery deleted. Call again from
   * `lastSeq` until `done`.
   */
  async sweepEventsBatch(
    policy: WebhookRetentionPolicy,
    afterSeq: string,
    batchSize: number,
  ): Promise<WebhookEventSweepBatch> {
    return this.repository.sweepEvents(policy, afterSeq, batchSize);
  }

  /**
   * How far behind retention is, per table (seconds past its retention of the oldest row still kept; 0 when
   * caught up). Deliveries: exact, from the oldest delivered and dead ones. Events: 0 when `sweptAfter` is
   * null (a sweep just finished); else how far past the window the first event after that seq (where an
   * unfinished sweep stopped) is — an upper bound, as that event may be one kept for a pending delivery.
   */
  async overdue(policy: WebhookRetentionPolicy, sweptAfter: string | null): Promise<WebhookRetentionOverdue> {
    const deliveries = await this.repository.overdueDeliveries(policy);
    const events = sweptAfter === null ? 0 : await this.repository.overdueEventAfter(policy, sweptAfter);
    return { deliveries, events };
  }
}
