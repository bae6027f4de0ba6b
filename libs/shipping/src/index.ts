export { CARRIER } from './carrier.port';
export type { Carrier, ShipmentRequest, ShippingAddress } from './carrier.port';
export { ShipmentEntity } from './shipment.entity';
export { CarrierUnavailableError } from './shipping.errors';
export { ShippingModule } from './shipping.module';
export type { ShippingModuleOptions } from './shipping.module';
export { ShippingService } from './shipping.service';
export { SIMULATED_CARRIER_DEFAULTS, SimulatedCarrier } from './simulated-carrier.adapter';
export type { SimulatedCarrierSettings } from './simulated-carrier.adapter';
