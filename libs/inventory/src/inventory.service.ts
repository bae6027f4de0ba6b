import { returningRows } from '@app/database';
import { InjectMetric, type Counter } from '@app/observability';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { MoreThan, type EntityManager, type Repository } from 'typeorm';
import { DEMO_CATALOG } from './demo-catalog';
import { InsufficientStockError, ProductNotFoundError, StockLimitExceededError } from './inventory.errors';
import { INVENTORY_METRICS, type InventoryOperation } from './inventory.metrics';
import { MAX_STOCK, type StockLine } from './inventory.types';
import { InventoryReservationEntity } from './inventory-reservation.entity';
import { ProductEntity } from './product.entity';

/**
 * The order path's catalog and stock statements, written out: built with TypeORM's query builder and
 * repositories they cost more CPU per order than the statements themselves (BENCHMARKS.md, order
 * placement). `benchmarks/order-placement.pgbench.sql` runs the same text.
 */
export const INVENTORY_SQL = {
  products: 'SELECT sku, name, unit_price, currency, stock FROM products WHERE sku = ANY ($1)',
  reserved: 'SELECT EXISTS (SELECT 1 FROM inventory_reservations WHERE order_id = $1) AS reserved',
  take: 'UPDATE products SET stock = stock - $2, updated_at = now() WHERE sku = $1 AND stock >= $2 RETURNING sku',
  hold:
    "INSERT INTO inventory_reservations (order_id, sku, quantity, status) SELECT $1::uuid, sku, quantity, 'RESERVED' " +
    'FROM unnest($2::varchar[], $3::integer[]) AS line (sku, quantity)',
} as const;

/** A product as an order is priced from it. */
export type CatalogProduct = Pick<ProductEntity, 'sku' | 'name' | 'unitPrice' | 'currency' | 'stock'>;

interface CatalogRow {
  sku: string;
  name: string;
  unit_price: number;
  currency: string;
  stock: number;
}

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
  async getProducts(skus: string[]): Promise<Map<string, CatalogProduct>> {
    const found: CatalogProduct[] = (
      await this.products.query<CatalogRow[]>(INVENTORY_SQL.products, [skus])
    ).map((row) => ({
      sku: row.sku,
      name: row.name,
      unitPrice: row.unit_price,
      currency: row.currency,
      stock: row.stock,
    }));
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
    const [{ reserved }] = await manager.query<Array<{ reserved: boolean }>>(INVENTORY_SQL.reserved, [
      orderId,
    ]);
    if (reserved) return 'already-reserved';
    const sorted = [...lines].sort((a, b) => a.sku.localeCompare(b.sku));
    for (const line of sorted) {
      const taken = await returningRows(manager, INVENTORY_SQL.take, [line.sku, line.quantity]);
      if (taken.length === 0) {
        this.count('reserve_rejected');
        throw new InsufficientStockError(line.sku, line.quantity);
      }
    }
    await manager.query(INVENTORY_SQL.hold, [
      orderId,
      sorted.map((line) => line.sku),
      sorted.map((line) => line.quantity),
    ]);
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
