import { returningRows } from '@app/database';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import type { CatalogProduct } from './inventory.repository';
import { RESTOCK_KEYS_SQL } from './restock-keys.sql';

/** A restock remembered under its key: what it asked for (hashed) and what it answered. */
export interface StoredRestock {
  requestHash: string;
  product: CatalogProduct;
}

/** A restock taking its key: for whom, which request, for how long. */
export interface RestockKeyClaim {
  operatorId: string;
  key: string;
  requestHash: string;
  sku: string;
  ttlSeconds: number;
}

/**
 * The restocks' idempotency keys (table `restock_idempotency_keys`), read and written with the statements
 * of `restock-keys.sql.ts` only. Methods that take an `EntityManager` run inside the caller's transaction.
 */
@Injectable()
export class RestockKeysRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** The restock remembered under the operator's key, unless there is none or it expired. */
  async live(operatorId: string, key: string): Promise<StoredRestock | null> {
    const [row] = await returningRows<{ request_hash: string; response: CatalogProduct | null }>(
      this.dataSource,
      RESTOCK_KEYS_SQL.live,
      [operatorId, key],
    );
    // The response is written by the transaction that wrote the row: a committed row always has it.
    return row?.response ? { requestHash: row.request_hash, product: row.response } : null;
  }

  /** Takes the key in the caller's transaction; false when it is taken and has not expired. */
  async claim(manager: EntityManager, claim: RestockKeyClaim): Promise<boolean> {
    const rows = await returningRows(manager, RESTOCK_KEYS_SQL.claim, [
      claim.operatorId,
      claim.key,
      claim.requestHash,
      claim.sku,
      claim.ttlSeconds,
    ]);
    return rows.length > 0;
  }

  /** Stores the answer of the restock that took the key, in the caller's transaction. */
  async record(
    manager: EntityManager,
    operatorId: string,
    key: string,
    answer: CatalogProduct,
  ): Promise<void> {
    await manager.query(RESTOCK_KEYS_SQL.record, [operatorId, key, JSON.stringify(answer)]);
  }

  /** Deletes at most `batchSize` expired keys in one statement; how many it deleted. */
  async purgeExpired(batchSize: number): Promise<number> {
    const [{ purged }] = await returningRows<{ purged: number }>(
      this.dataSource,
      RESTOCK_KEYS_SQL.purgeExpired,
      [batchSize],
    );
    return purged;
  }
}
