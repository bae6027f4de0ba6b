/** How long finished deliveries are kept, in days from the time they finished. */
export interface WebhookRetentionPolicy {
  /** A `delivered` delivery is purged this many days after `delivered_at`; an event without deliveries, after it was written. */
  deliveredDays: number;
  /** A `dead` delivery is purged this many days after `dead_at`. */
  deadDays: number;
}

/**
 * Where a batch of the purge of deliveries starts: the `delivered_at` and `dead_at` (PostgreSQL's text, to
 * the microsecond) the previous batch of the run stopped at, null to start from the oldest. Batches that
 * carry it on never step again over the index entries of the rows earlier ones deleted.
 */
export interface WebhookPurgeCursor {
  deliveredAt: string | null;
  deadAt: string | null;
}

/** The cursor of a run's first batch: from the oldest delivery of each kind. */
export const PURGE_FROM_OLDEST: WebhookPurgeCursor = Object.freeze({ deliveredAt: null, deadAt: null });

/** What one purge batch deleted. */
export interface WebhookPurgeBatch {
  /** Deliveries deleted: at most the batch size. When fewer, none was left to delete. */
  deliveries: number;
  /** Events deleted with them: those whose last delivery was among them. */
  events: number;
  /** Where the run's next batch starts. */
  next: WebhookPurgeCursor;
}

/** What one batch of the sweep of events without deliveries did. */
export interface WebhookEventSweepBatch {
  /** Events it deleted. */
  events: number;
  /** The last seq it looked at: where the next batch starts. Null when it looked at none. */
  lastSeq: string | null;
  /** True when nothing after it can be old enough: the sweep is over. */
  done: boolean;
}

/** How far past its retention (seconds) the oldest row still kept is, per table; 0 when none is. */
export interface WebhookRetentionOverdue {
  deliveries: number;
  events: number;
}
