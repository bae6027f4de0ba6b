import { InventoryModule } from '@app/inventory';
import { PaymentsModule, type PaymentsModuleOptions } from '@app/payments';
import { ShippingModule, type ShippingModuleOptions } from '@app/shipping';
import { Module, type DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { getToken } from '@willsoto/nestjs-prometheus';
import { WORKFLOW_METRICS, workflowMetricProviders } from './engine/workflow-metrics';
import { OrderEntity, OrderLineEntity, OrderStatusHistoryEntity } from './entities';
import { orderMetricProviders } from './orders.metrics';
import { OrderSagaActivitiesService } from './saga/order-saga-activities.service';

export interface OrderFulfilmentModuleOptions {
  payments?: PaymentsModuleOptions;
  shipping?: ShippingModuleOptions;
}

/** What the saga's activities need: the order tables and the inventory, payments and shipping domains. */
@Module({})
export class OrderFulfilmentModule {
  static forRoot(options: OrderFulfilmentModuleOptions = {}): DynamicModule {
    const domains = [
      InventoryModule,
      PaymentsModule.forRoot(options.payments),
      ShippingModule.forRoot(options.shipping),
    ];
    return {
      module: OrderFulfilmentModule,
      imports: [
        TypeOrmModule.forFeature([OrderEntity, OrderLineEntity, OrderStatusHistoryEntity]),
        ...domains,
      ],
      // Both engines record activity attempts in the same histogram: the inline engine here, the worker's
      // activity interceptor in apps/worker.
      providers: [...orderMetricProviders, ...workflowMetricProviders, OrderSagaActivitiesService],
      exports: [OrderSagaActivitiesService, getToken(WORKFLOW_METRICS.activityDuration), ...domains],
    };
  }
}
