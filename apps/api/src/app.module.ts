import { DatabaseGaugesModule, DatabaseModule } from '@app/database';
import { FaultInjectionModule } from '@app/fault-injection';
import { ObservabilityModule } from '@app/observability';
import { inventoryLevelGaugeProvider } from '@app/inventory';
import { oldestUnfinishedOrderGaugeProvider, OrdersModule, orderStatusCountProviders } from '@app/orders';
import { SimulatedPaymentProvider } from '@app/payments';
import { SimulatedCarrier } from '@app/shipping';
import { WebhooksModule } from '@app/webhooks';
import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { accessTokenVerifierProvider } from './auth/access-token-verifier.provider';
import { authMetricProviders } from './auth/auth.metrics';
import { BearerAuthGuard } from './auth/bearer-auth.guard';
import { orderPlacementAllowanceProviders } from './auth/order-placement-allowance';
import { RequestAuthenticator } from './auth/request-authenticator';
import { DemoCatalogSeeder } from './catalog/demo-catalog.seeder';
import { FaultsController } from './faults/faults.controller';
import type { ApiConfig } from './config/api.config';
import { AdminOrdersController } from './orders/admin-orders.controller';
import { OrdersController } from './orders/orders.controller';
import { failureOutcomeOf } from './http/api-exception.filter';
import { ProductsController } from './products/products.controller';
import { restockIdempotencyProvider } from './products/restock-idempotency.settings';
import { WebhooksController } from './webhooks/webhooks.controller';

export type ApiAppConfig = ApiConfig & { databaseUrl: string };

@Module({})
export class AppModule {
  static forRoot(config: ApiAppConfig): DynamicModule {
    const providers: Provider[] = [
      accessTokenVerifierProvider(config.auth),
      RequestAuthenticator,
      BearerAuthGuard,
      ...authMetricProviders,
      restockIdempotencyProvider(config),
      ...orderPlacementAllowanceProviders(config),
      // Read from the database at scrape time, by the API replica holding the database gauges lease only
      // (DatabaseGaugesModule below): workers and the other replicas do not repeat them.
      ...orderStatusCountProviders(config.orderStatusCounts),
      oldestUnfinishedOrderGaugeProvider,
      inventoryLevelGaugeProvider,
    ];
    if (config.seedDemoCatalog) providers.push(DemoCatalogSeeder);
    // One instance of each simulator, used by its domain module and degraded by fault injection.
    const payment = new SimulatedPaymentProvider(config.payments.simulator);
    const carrier = new SimulatedCarrier(config.shipping.simulator);
    return {
      module: AppModule,
      imports: [
        ObservabilityModule.forRoot({
          serviceName: config.service.name,
          serviceVersion: config.service.version,
          environment: config.service.environment,
          metrics: { enabled: config.metricsEnabled, port: config.metricsPort, failureOutcomeOf },
          health: { readinessDrainMs: config.readinessDrainMs, memoryLimitBytes: config.memoryLimitBytes },
          logging: config.logging,
        }),
        DatabaseModule.forRoot({
          url: config.databaseUrl,
          applicationName: 'orders-api',
          ...config.database,
        }),
        DatabaseGaugesModule.forRoot({
          url: config.databaseUrl,
          leaseIntervalMs: config.databaseGauges.leaseIntervalMs,
          applicationName: 'orders-api-gauges-lease',
        }),
        OrdersModule.forRoot({
          engine: config.engine,
          payments: { provider: payment },
          shipping: { carrier },
          webhookSeries: config.webhookSeries,
        }),
        FaultInjectionModule.forRoot({ ...config.faults, targets: { payment, carrier } }),
        // Endpoints, the dispatcher of the outbox the order domain writes, the backlog gauges.
        WebhooksModule.forRoot(config.webhooks),
      ],
      controllers: [
        OrdersController,
        AdminOrdersController,
        ProductsController,
        FaultsController,
        WebhooksController,
      ],
      providers,
    };
  }
}
