import { InjectMetric, type Counter } from '@app/observability';
import { Injectable } from '@nestjs/common';
import type { KeysetPage } from '@app/database';
import type { EntityManager } from 'typeorm';
import { DEMO_CATALOG } from './demo-catalog';
import { InsufficientStockError, ProductNotFoundError, StockLimitExceededError } from './inventory.errors';
import { INVENTORY_METRICS, type InventoryOperation } from './inventory.metrics';
import { InventoryRepository, type CatalogProduct } from './inventory.repository';
import { MAX_STOCK, type StockLine } from './inventory.types';
import type { ProductEntity } from './product.entity';

/** The catalog and its stock: stock never goes below zero nor above `MAX_STOCK`. */
@Injectable()
export class InventoryService {
  constructor(
    private readonly repository: InventoryRepository,
    @InjectMetric(INVENTORY_METRICS.updates) private readonly updates: Counter<'operation'>,
  ) {}

  private count(operation: InventoryOperation): void {
    this.updates.inc({ operation });
  }

  /** Products ordered by SKU, starting after `afterSku`. */
  async listProducts(limit: number, afterSku?: string): Promise<KeysetPage<ProductEntity>> {
    return this.repository.page(limit, afterSku);
  }

  async getProduct(sku: string): Promise<ProductEntity> {
    const product = await this.repository.product(sku);
    if (!product) throw new ProductNotFoundError([sku]);
    return product;
  }

  /** The products for these SKUs, keyed by SKU; throws naming every SKU that does not exist. */
  async getProducts(skus: string[]): Promise<Map<string, CatalogProduct>> {
    const bySku = new Map((await this.repository.products(skus)).map((p) => [p.sku, p]));
    const missing = skus.filter((sku) => !bySku.has(sku));
    if (missing.length > 0) throw new ProductNotFoundError(missing);
    return bySku;
  }

  /** Adds `quantity` units; in the caller's transaction when given one (the idempotent restock's). */
  async restock(sku: string, quantity: number, manager?: EntityManager): Promise<ProductEntity> {
    const product = await this.repository.addStock(sku, quantity, MAX_STOCK, manager);
    if (!product) {
      if (!(await this.repository.product(sku, manager))) throw new ProductNotFoundError([sku]);
      throw new StockLimitExceededError(sku, MAX_STOCK);
    }
    this.count('restock');
    return product;
  }

  /**
   * Holds stock for an order inside the caller's transaction. Each decrement is conditional
   * (`stock >= quantity`), so concurrent orders can never oversell; SKUs are locked in sorted order
   * so two orders never deadlock. Reserving twice for the same order is a no-op.
   */
  async reserveForOrder(
    manager: EntityManager,
    orderId: string,
    lines: StockLine[],
  ): Promise<'reserved' | 'already-reserved'> {
    if (await this.repository.isReserved(manager, orderId)) return 'already-reserved';
    const sorted = [...lines].sort((a, b) => a.sku.localeCompare(b.sku));
    for (const line of sorted) {
      if (!(await this.repository.take(manager, line))) {
        this.count('reserve_rejected');
        throw new InsufficientStockError(line.sku, line.quantity);
      }
    }
    await this.repository.hold(manager, orderId, sorted);
    this.count('reserve');
    return 'reserved';
  }

  /** Returns an order's held stock; `true` when something was released (idempotent). */
  async releaseForOrder(manager: EntityManager, orderId: string): Promise<boolean> {
    const released = await this.repository.release(manager, orderId);
    if (released.length > 0) this.count('release');
    return released.length > 0;
  }

  /** Loads the demo catalog into an empty catalog; returns how many products were added. */
  async seedDemoCatalog(): Promise<number> {
    if ((await this.repository.productCount()) > 0) return 0;
    return this.repository.insertProducts(DEMO_CATALOG);
  }
}
