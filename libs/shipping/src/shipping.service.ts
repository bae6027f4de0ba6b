import { InjectMetric, type Histogram } from '@app/observability';
import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { CARRIER, type Carrier, type ShipmentRequest } from './carrier.port';
import type { ShipmentEntity } from './shipment.entity';
import { SHIPPING_METRICS } from './shipping.metrics';
import { ShippingRepository } from './shipping.repository';

/** A booking the carrier confirmed, before it is recorded. */
export type ShipmentBooking = Pick<ShipmentEntity, 'orderId' | 'carrier' | 'trackingNumber'>;

/**
 * Shipments: one per order. The carrier books it once per order (the same idempotency key every time);
 * recording the booking happens in the caller's transaction, beside the caller's own change.
 */
@Injectable()
export class ShippingService {
  constructor(
    private readonly repository: ShippingRepository,
    @Inject(CARRIER) private readonly carrier: Carrier,
    @InjectMetric(SHIPPING_METRICS.arrangement) private readonly arrangement: Histogram<'outcome'>,
  ) {}

  /** The order's recorded shipment, or null when none was booked yet. */
  async shipmentOf(orderId: string): Promise<ShipmentEntity | null> {
    return this.repository.find(orderId);
  }

  /** Books the order's shipment with the carrier (throws CarrierUnavailableError on transient failures). */
  async book(orderId: string, request: Omit<ShipmentRequest, 'idempotencyKey'>): Promise<ShipmentBooking> {
    const stopTimer = this.arrangement.startTimer();
    try {
      const { trackingNumber } = await this.carrier.createShipment({
        ...request,
        idempotencyKey: `order-${orderId}`,
      });
      stopTimer({ outcome: 'booked' });
      return { orderId, carrier: this.carrier.name, trackingNumber };
    } catch (error) {
      stopTimer({ outcome: 'failed' });
      throw error;
    }
  }

  /** Records the booking; a booking recorded earlier for the order stands (false is returned then). */
  async recordBooking(manager: EntityManager, booking: ShipmentBooking): Promise<boolean> {
    return this.repository.insert(manager, booking);
  }
}
