import { Span } from '@app/observability';
import {
  PURGE_FROM_OLDEST,
  WebhookRetention,
  type WebhookRetentionOverdue,
  type WebhookRetentionPolicy,
} from '@app/webhooks';
import { Injectable } from '@nestjs/common';

export interface WebhookDataPurgeOptions {
  /** How long finished deliveries (and events without deliveries) are kept. */
  policy: WebhookRetentionPolicy;
  /** Most rows one batch deletes (deliveries) or looks at (the sweep of events). */
  batchSize: number;
  /** No batch starts once the run has spent this long; the rest waits for the next run. */
  maxSeconds: number;
}

export interface WebhookDataPurgeResult {
  /** Rows this run deleted, per table. */
  purged: { deliveries: number; events: number };
  /** Transactions it took (the purge of deliveries, then the sweep of events). */
  batches: number;
  /** True when both came back short within the time budget: nothing past its retention was left. */
  caughtUp: boolean;
  /** Seconds past its retention of the oldest row left, per table: 0 when caught up. */
  overdueSeconds: WebhookRetentionOverdue;
}

/**
 * Deletes webhook data past its retention, in batches, each its own short transaction: first the
 * deliveries delivered or dead for longer than their retention (with their events once none is left),
 * until a batch comes back short; then a sweep of the events without any delivery, in seq order, until it
 * reaches events within the window. Pending deliveries, and events that still have one, are never touched.
 * No batch starts after `maxSeconds`: a backlog is worked off over several runs, and the run says how far
 * behind it still is.
 */
@Injectable()
export class PurgeWebhookDataService {
  constructor(private readonly retention: WebhookRetention) {}

  /** One span per run (`webhooks.retention.purge`): its settings, what it deleted, whether it caught up. */
  @Span('webhooks.retention.purge', (options: WebhookDataPurgeOptions) => ({
    attributes: {
      'webhook_retention.batch_size': options.batchSize,
      'webhook_retention.delivered_days': options.policy.deliveredDays,
      'webhook_retention.dead_days': options.policy.deadDays,
    },
    onResult: (result: WebhookDataPurgeResult) => ({
      attributes: {
        'webhook_retention.purged_deliveries': result.purged.deliveries,
        'webhook_retention.purged_events': result.purged.events,
        'webhook_retention.batches': result.batches,
        'webhook_retention.caught_up': result.caughtUp,
      },
    }),
  }))
  async run(options: WebhookDataPurgeOptions): Promise<WebhookDataPurgeResult> {
    const deadline = performance.now() + options.maxSeconds * 1000;
    const timeLeft = () => performance.now() < deadline;
    const purged = { deliveries: 0, events: 0 };
    let batches = 0;

    let deliveriesDone: boolean;
    let from = PURGE_FROM_OLDEST;
    do {
      const batch = await this.retention.purgeBatch(options.policy, options.batchSize, from);
      from = batch.next;
      purged.deliveries += batch.deliveries;
      purged.events += batch.events;
      batches += 1;
      deliveriesDone = batch.deliveries < options.batchSize;
    } while (!deliveriesDone && timeLeft());

    // Where the sweep stopped (null once it is done). It starts once the deliveries are done, with at least
    // one batch, as the purge of deliveries does.
    let sweptAfter: string | null = '0';
    if (deliveriesDone)
      do {
        const batch = await this.retention.sweepEventsBatch(options.policy, sweptAfter, options.batchSize);
        purged.events += batch.events;
        batches += 1;
        sweptAfter = batch.done ? null : (batch.lastSeq ?? sweptAfter);
      } while (sweptAfter !== null && timeLeft());

    const overdueSeconds = await this.retention.overdue(options.policy, sweptAfter);
    return { purged, batches, caughtUp: deliveriesDone && sweptAfter === null, overdueSeconds };
  }
}
