import { Module, type DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DatabaseLatencySubscriber } from './database-latency.subscriber';
import { faultMetricProviders } from './fault-injection.metrics';
import { FAULT_INJECTION_OPTIONS, type FaultInjectionOptions } from './fault-injection.options';
import { FaultInjectionService } from './fault-injection.service';
import { FaultOverridesEntity } from './fault-overrides.entity';

/**
 * Switchable faults for any app that runs the saga's activities: import it beside the order modules and
 * it drives the targets it is given (the simulated payment provider and carrier) and the database
 * connection.
 */
@Module({})
export class FaultInjectionModule {
  static forRoot(options: FaultInjectionOptions): DynamicModule {
    return {
      module: FaultInjectionModule,
      global: true,
      imports: [TypeOrmModule.forFeature([FaultOverridesEntity])],
      providers: [
        { provide: FAULT_INJECTION_OPTIONS, useValue: options },
        ...faultMetricProviders,
        DatabaseLatencySubscriber,
        FaultInjectionService,
      ],
      exports: [FaultInjectionService],
    };
  }
}
