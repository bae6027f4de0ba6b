export const CARRIER = Symbol('CARRIER');

export interface ShippingAddress {
  name: string;
  line1: string;
  line2?: string;
  city: string;
  postalCode: string;
  country: string;
}

export interface ShipmentRequest {
  /** The same key always yields the same shipment. */
  idempotencyKey: string;
  address: ShippingAddress;
  parcels: Array<{ sku: string; quantity: number }>;
}

/** A parcel carrier. `createShipment` throws CarrierUnavailableError on transient failures. */
export interface Carrier {
  readonly name: string;
  createShipment(request: ShipmentRequest): Promise<{ trackingNumber: string }>;
}
