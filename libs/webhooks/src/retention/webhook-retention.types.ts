/** How long finished deliveries are kept, in days from the time they finished. */
export interface WebhookRetentionPolicy {
  /** A `delivered` delivery is purged this many days after `delivered_at`; an event without deliveries, after it was written. */
  deliveredDays: number;
  /** A `dead` delivery is purged this many days after `dead_at`. */
  deadDays: number;
}

/** What one purge batch deleted. */
export interface WebhookPurgeBatch {
  /** Deliveries deleted: at most the batch size. When fewer, none was left to delete. */
  deliveries: number;
  /** Events deleted with them: those whose last delivery was among them. */
  events: number;
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
