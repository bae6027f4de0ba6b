import { InjectMetric, type Histogram } from '@app/observability';
import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { CARRIER, type Carrier, type ShipmentRequest } from './carrier.port';
import { ShipmentEntity } from './shipment.entity';
import { SHIPPING_METRICS } from './shipping.metrics';

@Injectable()
export class ShippingService {
  constructor(
    @InjectRepository(ShipmentEntity) private readonly shipments: Repository<ShipmentEntity>,
    @Inject(CARRIER) private readonly carrier: Carrier,
    @InjectMetric(SHIPPING_METRICS.arrangement) private readonly arrangement: Histogram<'outcome'>,
  ) {}

  /** Books the order's shipment once; a repeated call returns the recorded shipment. */
  async arrangeForOrder(
    orderId: string,
    request: Omit<ShipmentRequest, 'idempotencyKey'>,
  ): Promise<ShipmentEntity> {
    const existing = await this.shipments.findOneBy({ orderId });
    if (existing) return existing;
    const stopTimer = this.arrangement.startTimer();
    let trackingNumber: string;
    try {
      ({ trackingNumber } = await this.carrier.createShipment({
        ...request,
        idempotencyKey: `order-${orderId}`,
      }));
      stopTimer({ outcome: 'booked' });
    } catch (error) {
      stopTimer({ outcome: 'failed' });
      throw error;
    }
    await this.shipments
      .createQueryBuilder()
      .insert()
      .values({ orderId, carrier: this.carrier.name, trackingNumber })
      .orIgnore()
      .execute();
    return await this.shipments.findOneByOrFail({ orderId });
  }

  async findForOrder(orderId: string): Promise<ShipmentEntity | null> {
    return this.shipments.findOneBy({ orderId });
  }
}
