import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { InlineWorkflowEngine, type InlineEngineOptions } from './engine/inline-workflow.engine';
import { TemporalWorkflowEngine, type TemporalEngineOptions } from './engine/temporal-workflow.engine';
import { WORKFLOW_ENGINE } from './engine/workflow-engine.port';
import { WorkflowEngineReadiness } from './engine/workflow-engine.readiness';
import { OrderSagaModule, type OrderSagaModuleOptions } from './order-saga.module';
import { orderMetricProviders } from './orders.metrics';
import { OrdersService } from './orders.service';
import { OrderAdministration } from './admin/order-administration.service';
import { OrderSagaActivitiesService } from './saga/order-saga-activities.service';
import { SagaStepTelemetry } from './saga/saga-step.telemetry';

export type WorkflowEngineOptions =
  ({ type: 'inline' } & InlineEngineOptions) | ({ type: 'temporal' } & TemporalEngineOptions);

export interface OrdersModuleOptions extends OrderSagaModuleOptions {
  engine: WorkflowEngineOptions;
}

/**
 * Order use cases on top of the saga, run by the configured engine: the customer's (place, read, list,
 * cancel) and the operators' (search, read any order, cancel, list stuck orders, resume).
 */
@Module({})
export class OrdersModule {
  static forRoot(options: OrdersModuleOptions): DynamicModule {
    const saga = OrderSagaModule.forRoot(options);
    return {
      module: OrdersModule,
      imports: [saga],
      providers: [
        ...orderMetricProviders,
        engineProvider(options.engine),
        WorkflowEngineReadiness,
        OrdersService,
        OrderAdministration,
      ],
      exports: [OrdersService, OrderAdministration, WORKFLOW_ENGINE, saga],
    };
  }
}

function engineProvider(engine: WorkflowEngineOptions): Provider {
  if (engine.type === 'temporal') {
    return { provide: WORKFLOW_ENGINE, useFactory: () => new TemporalWorkflowEngine(engine) };
  }
  return {
    provide: WORKFLOW_ENGINE,
    useFactory: (activities: OrderSagaActivitiesService, dataSource: DataSource, steps: SagaStepTelemetry) =>
      new InlineWorkflowEngine(activities, dataSource, steps, engine),
    inject: [OrderSagaActivitiesService, getDataSourceToken(), SagaStepTelemetry],
  };
}
