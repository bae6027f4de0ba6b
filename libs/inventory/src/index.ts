export { DEMO_CATALOG } from './demo-catalog';
export {
  InsufficientStockError,
  ProductNotFoundError,
  RestockIdempotencyKeyReusedError,
  StockLimitExceededError,
} from './inventory.errors';
export {
  INVENTORY_METRICS,
  inventoryLevelGaugeProvider,
  inventoryMetricProviders,
} from './inventory.metrics';
export type { InventoryOperation } from './inventory.metrics';
export { InventoryModule } from './inventory.module';
export { InventoryRepository } from './inventory.repository';
export type { CatalogProduct } from './inventory.repository';
export { InventoryService } from './inventory.service';
export { INVENTORY_SQL } from './inventory.sql';
export { MAX_STOCK } from './inventory.types';
export type { StockLine } from './inventory.types';
export { InventoryReservationEntity } from './inventory-reservation.entity';
export type { ReservationStatus } from './inventory-reservation.entity';
export { ProductEntity } from './product.entity';
export { RestockService } from './restock.service';
export type { RestockIdempotency, RestockOutcome } from './restock.service';
