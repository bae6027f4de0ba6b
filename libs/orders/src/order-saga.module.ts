import { InventoryModule } from '@app/inventory';
import { PaymentsModule, type PaymentsModuleOptions } from '@app/payments';
import { ShippingModule, type ShippingModuleOptions } from '@app/shipping';
import { WebhookOutboxModule, type WebhookSeriesOptions } from '@app/webhooks';
import { Module, type DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { workflowMetricProviders } from './engine/workflow-metrics';
import { OrderEntity, OrderLineEntity, OrderStatusHistoryEntity } from './entities';
import { orderMetricProviders } from './orders.metrics';
import { OrdersRepository } from './orders.repository';
import { OrderProgress } from './saga/order-progress';
import { OrderSagaActivitiesService } from './saga/order-saga-activities.service';
import { SagaStepTelemetry } from './saga/saga-step.telemetry';
import { ArrangeShippingStep } from './saga/steps/arrange-shipping.step';
import { ChargePaymentStep } from './saga/steps/charge-payment.step';
import { FinishOrderStep } from './saga/steps/finish-order.step';
import { ReserveInventoryStep } from './saga/steps/reserve-inventory.step';

export interface OrderSagaModuleOptions {
  payments?: PaymentsModuleOptions;
  shipping?: ShippingModuleOptions;
  /** How this process keeps deleted webhook endpoints' series out of its `/metrics`. */
  webhookSeries?: WebhookSeriesOptions;
}

/**
 * What the saga's activities need: the order tables, the inventory, payments and shipping domains, and the
 * webhook outbox their status changes write events to (the payload is the order's public view). Each
 * step (`saga/steps/`) calls the orders repository and the other domains in one direction.
 */
@Module({})
export class OrderSagaModule {
  static forRoot(options: OrderSagaModuleOptions = {}): DynamicModule {
    const domains = [
      InventoryModule,
      PaymentsModule.forRoot(options.payments),
      ShippingModule.forRoot(options.shipping),
      WebhookOutboxModule.forRoot(options.webhookSeries),
    ];
    return {
      module: OrderSagaModule,
      imports: [
        TypeOrmModule.forFeature([OrderEntity, OrderLineEntity, OrderStatusHistoryEntity]),
        ...domains,
      ],
      // Both engines measure step attempts with SagaStepTelemetry: the inline engine around each attempt,
      // the worker's activity interceptor (apps/worker) around each Temporal activity.
      providers: [
        ...orderMetricProviders,
        ...workflowMetricProviders,
        OrdersRepository,
        OrderProgress,
        ReserveInventoryStep,
        ChargePaymentStep,
        ArrangeShippingStep,
        FinishOrderStep,
        OrderSagaActivitiesService,
        SagaStepTelemetry,
      ],
      exports: [OrdersRepository, OrderProgress, OrderSagaActivitiesService, SagaStepTelemetry, ...domains],
    };
  }
}
