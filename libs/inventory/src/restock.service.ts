import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { RestockIdempotencyKeyReusedError } from './inventory.errors';
import type { CatalogProduct } from './inventory.repository';
import { InventoryService } from './inventory.service';
import { RestockKeysRepository, type StoredRestock } from './restock-keys.repository';
import { restockRequestHash } from './restock-request';

/** A restock's `Idempotency-Key`: whose it is and how long it is remembered. */
export interface RestockIdempotency {
  /** The operator restocking (the token's subject): keys are scoped per operator. */
  operatorId: string;
  key: string;
  /** How long a repeat with the key is answered from the first restock; past it the key is unused. */
  ttlSeconds: number;
}

/** A restock's answer: the product as the restock left it. */
export interface RestockOutcome {
  product: CatalogProduct;
  /** True when an earlier restock with the same key answered, and no stock was added now. */
  replayed: boolean;
}

/** Attempts at taking a key that expires between being read and being taken (in practice: one, rarely two). */
const MAX_KEY_ATTEMPTS = 3;

/**
 * Operators' restocks, idempotent per operator and `Idempotency-Key`. The key is taken in the transaction
 * that adds the stock and stores the answer with it, so a key never outlives a rolled-back restock nor a
 * restock its key.
 */
@Injectable()
export class RestockService {
  constructor(
    private readonly inventory: InventoryService,
    private readonly keys: RestockKeysRepository,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  /**
   * Adds `quantity` units of `sku`. Without a key every request restocks. With one, a repeat of the same
   * request (same SKU and quantity) while the key counts gets the first answer again and adds nothing, also
   * when the repeats run at once: the key's primary key lets one of them through, and the others, waiting
   * on it, read its answer once it commits. The key with another request is refused with
   * RestockIdempotencyKeyReusedError. Only a restock that added stock is remembered: one refused (unknown
   * SKU, stock limit) may be sent again with the same key.
   */
  async restock(sku: string, quantity: number, idempotency?: RestockIdempotency): Promise<RestockOutcome> {
    if (!idempotency)
      return { product: answerOf(await this.inventory.restock(sku, quantity)), replayed: false };
    const requestHash = restockRequestHash({ sku, quantity });
    for (let attempt = 1; attempt <= MAX_KEY_ATTEMPTS; attempt++) {
      const stored = await this.keys.live(idempotency.operatorId, idempotency.key);
      if (stored) return replay(stored, sku, requestHash);
      const product = await this.dataSource.transaction(async (manager) => {
        if (!(await this.keys.claim(manager, { ...idempotency, requestHash, sku }))) return null; // taken
        const restocked = answerOf(await this.inventory.restock(sku, quantity, manager));
        await this.keys.record(manager, idempotency.operatorId, idempotency.key, restocked);
        return restocked;
      });
      if (product) return { product, replayed: false };
      // Another request holds the key and has committed by now: the next read finds its answer.
    }
    throw new Error(`restock key kept expiring while being taken (${MAX_KEY_ATTEMPTS} attempts)`);
  }

  /**
   * Deletes at most `batchSize` expired restock keys in one short statement; how many it deleted. Callers
   * repeat it until it deletes fewer than `batchSize`.
   */
  async purgeExpiredKeys(batchSize: number): Promise<number> {
    return this.keys.purgeExpired(batchSize);
  }
}

/** The product as a restock answers it, the same whether it restocked now or replays. */
function answerOf(product: CatalogProduct): CatalogProduct {
  const { sku, name, unitPrice, currency, stock } = product;
  return { sku, name, unitPrice, currency, stock };
}

function replay(stored: StoredRestock, sku: string, requestHash: string): RestockOutcome {
  if (stored.requestHash !== requestHash) throw new RestockIdempotencyKeyReusedError(sku);
  return { product: stored.product, replayed: true };
}
