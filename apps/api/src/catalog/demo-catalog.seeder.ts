import { InventoryService } from '@app/inventory';
import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';

/** Loads the demo catalog on the first start (an empty catalog); later starts leave it alone. */
@Injectable()
export class DemoCatalogSeeder implements OnApplicationBootstrap {
  private readonly logger = new Logger(DemoCatalogSeeder.name);

  constructor(private readonly inventory: InventoryService) {}

  async onApplicationBootstrap(): Promise<void> {
    const added = await this.inventory.seedDemoCatalog();
    if (added > 0) this.logger.log(`seeded the demo catalog with ${added} products`);
  }
}
