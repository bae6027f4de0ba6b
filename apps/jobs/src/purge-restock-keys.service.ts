import { RestockService } from '@app/inventory';
import { Span } from '@app/observability';
import { Injectable } from '@nestjs/common';

export interface RestockKeyPurgeOptions {
  /** Most keys one statement deletes. */
  batchSize: number;
}

export interface RestockKeyPurgeResult {
  /** Expired restock keys deleted by this run. */
  purged: number;
  /** Statements it took, the last one deleting fewer than a batch. */
  batches: number;
}

/**
 * Deletes the restock idempotency keys that have expired (`expires_at` passed; the API already treats them
 * as unused), in batches: one short statement of at most `batchSize` rows at a time, each its own
 * transaction, so the table is never locked for long and a key being taken again is skipped. Runs until a
 * batch comes back short.
 */
@Injectable()
export class PurgeRestockKeysService {
  constructor(private readonly restocks: RestockService) {}

  /** One span per run (`inventory.restock_keys.purge`): its batch size, and how many keys it deleted. */
  @Span('inventory.restock_keys.purge', (options: RestockKeyPurgeOptions) => ({
    attributes: { 'restock_keys.batch_size': options.batchSize },
    onResult: (result: RestockKeyPurgeResult) => ({
      attributes: { 'restock_keys.purged': result.purged, 'restock_keys.batches': result.batches },
    }),
  }))
  async run(options: RestockKeyPurgeOptions): Promise<RestockKeyPurgeResult> {
    let purged = 0;
    let batches = 0;
    for (;;) {
      const deleted = await this.restocks.purgeExpiredKeys(options.batchSize);
      purged += deleted;
      batches += 1;
      if (deleted < options.batchSize) return { purged, batches };
    }
  }
}
