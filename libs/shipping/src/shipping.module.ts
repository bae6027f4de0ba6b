import { Module, type DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CARRIER } from './carrier.port';
import { ShipmentEntity } from './shipment.entity';
import { shippingMetricProviders } from './shipping.metrics';
import { ShippingRepository } from './shipping.repository';
import { ShippingService } from './shipping.service';
import { SimulatedCarrier, type SimulatedCarrierSettings } from './simulated-carrier.adapter';

export interface ShippingModuleOptions {
  /** Settings of the simulated carrier (the only adapter shipped). */
  simulator?: Partial<SimulatedCarrierSettings>;
  /** The simulated carrier itself, when the app shares it (with fault injection); else made from `simulator`. */
  carrier?: SimulatedCarrier;
}

@Module({})
export class ShippingModule {
  static forRoot(options: ShippingModuleOptions = {}): DynamicModule {
    return {
      module: ShippingModule,
      imports: [TypeOrmModule.forFeature([ShipmentEntity])],
      providers: [
        { provide: SimulatedCarrier, useValue: options.carrier ?? new SimulatedCarrier(options.simulator) },
        { provide: CARRIER, useExisting: SimulatedCarrier },
        ...shippingMetricProviders,
        ShippingRepository,
        ShippingService,
      ],
      exports: [ShippingService, CARRIER, SimulatedCarrier],
    };
  }
}
