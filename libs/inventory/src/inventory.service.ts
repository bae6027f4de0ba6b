import { InjectMetric, type Counter } from '@app/observability';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, MoreThan, type EntityManager, type Repository } from 'typeorm';
import { DEMO_CATALOG } from './demo-catalog';
import { InsufficientStockError, ProductNotFoundError, StockLimitExceededError } from './inventory.errors';
import { INVENTORY_METRICS, type InventoryOperation } from './inventory.metrics';
import { MAX_STOCK, type StockLine } from './inventory.types';
import { InventoryReservationEntity } from './inventory-reservation.entity';
import { ProductEntity } from './product.entity';

@Injectable()
export class InventoryService {
  constructor(
    @InjectRepository(ProductEntity) private readonly products: Repository<ProductEntity>,
    @InjectMetric(INVENTORY_METRICS.updates) private readonly updates: Counter<'operation'>,
  ) {}

  private count(operation: InventoryOperation): void {
    this.updates.inc({ operation });
  }

  /** Products ordered by SKU, starting after `afterSku`. */
  async listProducts(limit: number, afterSku?: string): Promise<ProductEntity[]> {
    return this.products.find({
      where: afterSku ? { sku: MoreThan(afterSku) } : {},
      order: { sku: 'ASC' },
      take: limit,
    });
  }

  async getProduct(sku: string): Promise<ProductEntity> {
    const product = await this.products.findOneBy({ sku });
    if (!product) throw new ProductNotFoundError([sku]);
    return product;
  }

  /** The products for these SKUs, keyed by SKU; throws naming every SKU that does not exist. */
  async getProducts(skus: string[]): Promise<Map<string, ProductEntity>> {
    const found = await this.products.findBy({ sku: In(skus) });
    const bySku = new Map(found.map((p) => [p.sku, p]));
    const missing = skus.filter((sku) => !bySku.has(sku));
    if (missing.length > 0) throw new ProductNotFoundError(missing);
    return bySku;
  }

  async restock(sku: string, quantity: number): Promise<ProductEntity> {
    const updated = await this.products
      .createQueryBuilder()
      .update(ProductEntity)
      .set({ stock: () => 'stock + :quantity', updatedAt: () => 'now()' })
      .where('sku = :sku AND stock <= :headroom', { sku, quantity, headroom: MAX_STOCK - quantity })
      .returning('*')
      .execute();
    if (updated.affected === 0) {
      await this.getProduct(sku);
      throw new StockLimitExceededError(sku, MAX_STOCK);
    }
    this.count('restock');
    return this.getProduct(sku);
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
    const existing = await manager.countBy(InventoryReservationEntity, { orderId });
    if (existing > 0) return 'already-reserved';
    const sorted = [...lines].sort((a, b) => a.sku.localeCompare(b.sku));
    for (const line of sorted) {
      const result = await manager
        .createQueryBuilder()
        .update(ProductEntity)
        .set({ stock: () => 'stock - :quantity', updatedAt: () => 'now()' })
        .where('sku = :sku AND stock >= :quantity', { sku: line.sku, quantity: line.quantity })
        .execute();
      if (result.affected === 0) {
        this.count('reserve_rejected');
        throw new InsufficientStockError(line.sku, line.quantity);
      }
    }
    await manager.insert(
      InventoryReservationEntity,
      sorted.map((line) => ({
        orderId,
        sku: line.sku,
        quantity: line.quantity,
        status: 'RESERVED' as const,
      })),
    );
    this.count('reserve');
    return 'reserved';
  }

  /** Returns an order's held stock; `true` when something was released (idempotent). */
  async releaseForOrder(manager: EntityManager, orderId: string): Promise<boolean> {
    const held = await manager.find(InventoryReservationEntity, {
      where: { orderId, status: 'RESERVED' },
      order: { sku: 'ASC' },
      lock: { mode: 'pessimistic_write' },
    });
    for (const reservation of held) {
      await manager
        .createQueryBuilder()
        .update(ProductEntity)
        .set({ stock: () => 'stock + :quantity', updatedAt: () => 'now()' })
        .where('sku = :sku', { sku: reservation.sku, quantity: reservation.quantity })
        .execute();
    }
    if (held.length > 0) {
      this.count('release');
      await manager.update(
        InventoryReservationEntity,
        { orderId, status: 'RESERVED' },
        { status: 'RELEASED', releasedAt: () => 'now()' },
      );
    }
    return held.length > 0;
  }

  /** Loads the demo catalog into an empty catalog; returns how many products were added. */
  async seedDemoCatalog(): Promise<number> {
    if ((await this.products.count()) > 0) return 0;
    const result = await this.products
      .createQueryBuilder()
      .insert()
      .values(DEMO_CATALOG.map((p) => ({ ...p })))
      .orIgnore()
      .execute();
    return result.identifiers.length;
  }
}
