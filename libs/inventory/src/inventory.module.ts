import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { InventoryReservationEntity } from './inventory-reservation.entity';
import { inventoryMetricProviders } from './inventory.metrics';
import { InventoryRepository } from './inventory.repository';
import { InventoryService } from './inventory.service';
import { ProductEntity } from './product.entity';
import { RestockKeysRepository } from './restock-keys.repository';
import { RestockService } from './restock.service';

@Module({
  imports: [TypeOrmModule.forFeature([ProductEntity, InventoryReservationEntity])],
  providers: [
    ...inventoryMetricProviders,
    InventoryRepository,
    RestockKeysRepository,
    InventoryService,
    RestockService,
  ],
  exports: [InventoryService, RestockService],
})
export class InventoryModule {}
