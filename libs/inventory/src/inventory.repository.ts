import { keysetPage, returningRows, type KeysetPage } from '@app/database';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { INVENTORY_SQL } from './inventory.sql';
import type { StockLine } from './inventory.types';
import type { ProductEntity } from './product.entity';

/** A product as an order is priced from it. */
export type CatalogProduct = Pick<ProductEntity, 'sku' | 'name' | 'unitPrice' | 'currency' | 'stock'>;

interface ProductRow {
  sku: string;
  name: string;
  unit_price: number;
  currency: string;
  stock: number;
  created_at: Date;
  updated_at: Date;
}

/**
 * The inventory's tables (`products`, `inventory_reservations`), read and written with the statements of
 * `inventory.sql.ts` only. Methods that take an `EntityManager` run inside the caller's transaction (an
 * optional one: in it when given).
 */
@Injectable()
export class InventoryRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Products in SKU order after `afterSku`. */
  async page(limit: number, afterSku?: string): Promise<KeysetPage<ProductEntity>> {
    const rows = await this.dataSource.query<ProductRow[]>(INVENTORY_SQL.page, [afterSku ?? null, limit + 1]);
    return keysetPage(rows.map(toProduct), limit, (product) => [product.sku]);
  }

  async product(
    sku: string,
    target: DataSource | EntityManager = this.dataSource,
  ): Promise<ProductEntity | null> {
    const [row] = await target.query<ProductRow[]>(INVENTORY_SQL.product, [sku]);
    return row ? toProduct(row) : null;
  }

  async products(skus: string[]): Promise<CatalogProduct[]> {
    const rows = await this.dataSource.query<ProductRow[]>(INVENTORY_SQL.products, [skus]);
    return rows.map((row) => ({
      sku: row.sku,
      name: row.name,
      unitPrice: row.unit_price,
      currency: row.currency,
      stock: row.stock,
    }));
  }

  /**
   * The product after adding `quantity`, or null when it does not exist or would pass `maxStock`; in the
   * caller's transaction when given one.
   */
  async addStock(
    sku: string,
    quantity: number,
    maxStock: number,
    target: DataSource | EntityManager = this.dataSource,
  ): Promise<ProductEntity | null> {
    const [row] = await returningRows<ProductRow>(target, INVENTORY_SQL.restock, [
      sku,
      quantity,
      maxStock - quantity,
    ]);
    return row ? toProduct(row) : null;
  }

  async isReserved(manager: EntityManager, orderId: string): Promise<boolean> {
    const [{ reserved }] = await manager.query<Array<{ reserved: boolean }>>(INVENTORY_SQL.reserved, [
      orderId,
    ]);
    return reserved;
  }

  /** Takes `quantity` units unless fewer are in stock; false when it took nothing. */
  async take(manager: EntityManager, line: StockLine): Promise<boolean> {
    return (await returningRows(manager, INVENTORY_SQL.take, [line.sku, line.quantity])).length > 0;
  }

  async hold(manager: EntityManager, orderId: string, lines: StockLine[]): Promise<void> {
    await manager.query(INVENTORY_SQL.hold, [orderId, lines.map((l) => l.sku), lines.map((l) => l.quantity)]);
  }

  /** Puts the order's held stock back and marks its reservations released; what was released. */
  async release(manager: EntityManager, orderId: string): Promise<StockLine[]> {
    const held = await manager.query<StockLine[]>(INVENTORY_SQL.held, [orderId]);
    for (const line of held) await manager.query(INVENTORY_SQL.giveBack, [line.sku, line.quantity]);
    if (held.length > 0) await manager.query(INVENTORY_SQL.released, [orderId]);
    return held;
  }

  async productCount(): Promise<number> {
    const [{ count }] = await this.dataSource.query<Array<{ count: number }>>(INVENTORY_SQL.productCount);
    return count;
  }

  /** Inserts the products that are not there yet; how many were added. */
  async insertProducts(products: readonly CatalogProduct[]): Promise<number> {
    const added = await returningRows(this.dataSource, INVENTORY_SQL.seed, [
      products.map((p) => p.sku),
      products.map((p) => p.name),
      products.map((p) => p.unitPrice),
      products.map((p) => p.currency),
      products.map((p) => p.stock),
    ]);
    return added.length;
  }

  /** Stock per SKU, in SKU order, for at most `limit` products. */
  async stockLevels(limit: number): Promise<Array<{ sku: string; stock: number }>> {
    return this.dataSource.query(INVENTORY_SQL.levels, [limit]);
  }
}

function toProduct(row: ProductRow): ProductEntity {
  return {
    sku: row.sku,
    name: row.name,
    unitPrice: row.unit_price,
    currency: row.currency,
    stock: row.stock,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
