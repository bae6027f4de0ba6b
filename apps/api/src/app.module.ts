import { DatabaseModule } from '@app/database';
import { FaultInjectionModule } from '@app/fault-injection';
import { ObservabilityModule } from '@app/observability';
import { inventoryLevelGaugeProvider } from '@app/inventory';
import { oldestUnfinishedOrderGaugeProvider, OrdersModule, ordersByStatusGaugeProvider } from '@app/orders';
import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { accessTokenVerifierProvider } from './auth/access-token-verifier.provider';
import { authMetricProviders } from './auth/auth.metrics';
import { BearerAuthGuard } from './auth/bearer-auth.guard';
import { QUERY_TOKEN_REDACT_PATHS } from './auth/query-token-redaction';
import { RequestAuthenticator } from './auth/request-authenticator';
import { DemoCatalogSeeder } from './catalog/demo-catalog.seeder';
import { FaultsController } from './faults/faults.controller';
import type { ApiConfig } from './config/api.config';
import { OrdersController } from './orders/orders.controller';
import { ProductsController } from './products/products.controller';

export type ApiAppConfig = ApiConfig & { databaseUrl: string };

@Module({})
export class AppModule {
  static forRoot(config: ApiAppConfig): DynamicModule {
    const providers: Provider[] = [
      accessTokenVerifierProvider(config.auth),
      RequestAuthenticator,
      BearerAuthGuard,
      ...authMetricProviders,
      // Read from the database at scrape time; published by the API only, so workers do not repeat them.
      ordersByStatusGaugeProvider,
      oldestUnfinishedOrderGaugeProvider,
      inventoryLevelGaugeProvider,
    ];
    if (config.seedDemoCatalog) providers.push(DemoCatalogSeeder);
    return {
      module: AppModule,
      imports: [
        ObservabilityModule.forRoot({
          serviceName: config.service.name,
          serviceVersion: config.service.version,
          environment: config.service.environment,
          metrics: { enabled: config.metricsEnabled, port: config.metricsPort },
          health: { readinessDrainMs: config.readinessDrainMs },
          logging: { ...config.logging, redactPaths: QUERY_TOKEN_REDACT_PATHS },
        }),
        DatabaseModule.forRoot({
          url: config.databaseUrl,
          applicationName: 'orders-api',
          ...config.database,
        }),
        OrdersModule.forRoot({ engine: config.engine, payments: config.payments, shipping: config.shipping }),
        FaultInjectionModule.forRoot(config.faults),
      ],
      controllers: [OrdersController, ProductsController, FaultsController],
      providers,
    };
  }
}
