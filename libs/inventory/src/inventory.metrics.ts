import { makeDatabaseGaugeProvider } from '@app/database';
import { makeCounterProvider, type Gauge } from '@app/observability';
import type { Provider } from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { InventoryRepository } from './inventory.repository';

export const INVENTORY_METRICS = {
  updates: 'inventory_updates_total',
  level: 'inventory_level',
} as const;

export type InventoryOperation = 'reserve' | 'release' | 'restock' | 'reserve_rejected';

export const inventoryMetricProviders: Provider[] = [
  makeCounterProvider({
    name: INVENTORY_METRICS.updates,
    help: 'Stock changes by operation (reserve, release, restock) and refused reservations',
    labelNames: ['operation'],
  }),
];

/** Largest catalog reported per SKU: beyond it the gauge would become a cardinality problem. */
const MAX_REPORTED_SKUS = 1000;

/**
 * `inventory_level{sku}` read from the database at scrape time, by the one API replica that holds the
 * database gauges lease: the others export no series, so every replica does not report the same stock.
 */
export const inventoryLevelGaugeProvider: Provider = makeDatabaseGaugeProvider({
  name: INVENTORY_METRICS.level,
  help: `Units in stock per SKU (first ${MAX_REPORTED_SKUS} SKUs)`,
  labelNames: ['sku'],
  inject: [getDataSourceToken()],
  async collect(this: Gauge<'sku'>, dataSource: DataSource) {
    const rows = await new InventoryRepository(dataSource).stockLevels(MAX_REPORTED_SKUS);
    this.reset();
    for (const row of rows) this.set({ sku: row.sku }, Number(row.stock));
  },
});
