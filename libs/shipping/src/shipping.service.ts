import { InjectMetric, type Histogram } from '@app/observability';
import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { EntityManager, Repository } from 'typeorm';
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

  /**
   * Books the order's shipment once; a repeated call returns the recorded shipment. `alongside` runs in
   * the transaction that records the shipment (the caller's own change, e.g. the order's status), so both
   * are stored or neither; it also runs when the shipment was recorded earlier (it must be idempotent).
   */
  async arrangeForOrder(
    orderId: string,
    request: Omit<ShipmentRequest, 'idempotencyKey'>,
    alongside?: (manager: EntityManager) => Promise<unknown>,
  ): Promise<ShipmentEntity> {
    const existing = await this.shipments.findOneBy({ orderId });
    if (existing) {
      if (alongside) await this.shipments.manager.transaction(alongside);
      return existing;
    }
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
    return this.shipments.manager.transaction(async (manager) => {
      // A concurrent attempt may have recorded its booking first (same idempotency key): that one stands.
      await manager
        .createQueryBuilder()
        .insert()
        .into(ShipmentEntity)
        .values({ orderId, carrier: this.carrier.name, trackingNumber })
        .orIgnore()
        .execute();
      await alongside?.(manager);
      return manager.findOneByOrFail(ShipmentEntity, { orderId });
    });
  }

  async findForOrder(orderId: string): Promise<ShipmentEntity | null> {
    return this.shipments.findOneBy({ orderId });
  }
}
