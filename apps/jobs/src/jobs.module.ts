import { DatabaseModule } from '@app/database';
import { ObservabilityModule } from '@app/observability';
import { OrdersModule } from '@app/orders';
import { WebhookRetentionModule } from '@app/webhooks';
import { Module, type DynamicModule } from '@nestjs/common';
import type { JobsConfig } from './config/jobs.config';
import { PurgeRestockKeysService } from './purge-restock-keys.service';
import { PurgeWebhookDataService } from './purge-webhook-data.service';
import { ReconcileOrdersService } from './reconcile-orders.service';

/**
 * Batch jobs: the order domain and its engine (the inventory with it) and the retention of webhook data,
 * without an HTTP server (metrics go to the Pushgateway).
 */
@Module({})
export class JobsModule {
  static forRoot(config: JobsConfig): DynamicModule {
    return {
      module: JobsModule,
      imports: [
        ObservabilityModule.forRoot({
          serviceName: config.service.name,
          serviceVersion: config.service.version,
          environment: config.service.environment,
          metrics: { port: null },
          logging: config.logging,
        }),
        DatabaseModule.forRoot({ ...config.database, applicationName: 'orders-jobs' }),
        OrdersModule.forRoot({ engine: config.engine, payments: config.payments, shipping: config.shipping }),
        WebhookRetentionModule,
      ],
      providers: [ReconcileOrdersService, PurgeRestockKeysService, PurgeWebhookDataService],
    };
  }
}
