import { DatabaseModule } from '@app/database';
import { FaultInjectionModule } from '@app/fault-injection';
import { ObservabilityModule } from '@app/observability';
import { OrderSagaModule } from '@app/orders';
import { SimulatedPaymentProvider } from '@app/payments';
import { SimulatedCarrier } from '@app/shipping';
import { Module, type DynamicModule } from '@nestjs/common';
import type { WorkerConfig } from './config/worker.config';
import { TEMPORAL_WORKER_OPTIONS, type TemporalWorkerOptions } from './temporal-worker.options';
import { TemporalWorkerService } from './temporal-worker.service';

/** Hooks that the process owner may override (tests replace the exit on a fatal worker failure). */
export type WorkerModuleHooks = Pick<TemporalWorkerOptions, 'onFatalError'>;

/** The Temporal worker process: the saga's activities on PostgreSQL, polled from one task queue. */
@Module({})
export class WorkerModule {
  static forRoot(config: WorkerConfig, hooks: WorkerModuleHooks = {}): DynamicModule {
    const options: TemporalWorkerOptions = { ...config.temporal, logLevel: config.logLevel, ...hooks };
    // One instance of each simulator, used by its domain module and degraded by fault injection.
    const payment = new SimulatedPaymentProvider(config.payments.simulator);
    const carrier = new SimulatedCarrier(config.shipping.simulator);
    return {
      module: WorkerModule,
      imports: [
        // The worker's only HTTP port is its management port: /metrics lives there beside /health.
        ObservabilityModule.forRoot({
          serviceName: config.service.name,
          serviceVersion: config.service.version,
          environment: config.service.environment,
          metrics: { port: null },
          health: { readinessDrainMs: config.readinessDrainMs, memoryLimitBytes: config.memoryLimitBytes },
          logging: config.logging,
          metricsRoute: true,
        }),
        DatabaseModule.forRoot({ ...config.database, applicationName: 'orders-worker' }),
        OrderSagaModule.forRoot({
          payments: { provider: payment },
          shipping: { carrier },
          webhookSeries: config.webhookSeries,
        }),
        // Faults switched on through the API reach the activities here at the next refresh.
        FaultInjectionModule.forRoot({ ...config.faults, targets: { payment, carrier } }),
      ],
      providers: [{ provide: TEMPORAL_WORKER_OPTIONS, useValue: options }, TemporalWorkerService],
    };
  }
}
