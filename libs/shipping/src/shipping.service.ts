import { InjectMetric, type Histogram } from '@app/observability';
import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { EntityManager, Repository } from 'typeorm';
import { CARRIER, type Carrier, type ShipmentRequest } from './carrier.port';
import { ShipmentEntity } from './shipment.entity';
import { SHIPPING_METRICS } from './shipping.metrics';

/**
 * The order path's shipment statements, written out: built with TypeORM's repository and query builder
 * they cost more CPU per order than the statements themselves (BENCHMARKS.md, order placement).
 * `benchmarks/order-placement.pgbench.sql` runs the same text.
 */
export const SHIPPING_SQL = {
  find: 'SELECT carrier, tracking_number, created_at FROM shipments WHERE order_id = $1',
  /** A concurrent attempt may have recorded its booking first (same idempotency key): that one stands. */
  record:
    'INSERT INTO shipments (order_id, carrier, tracking_number) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
} as const;

interface ShipmentRow {
  carrier: string;
  tracking_number: string;
  created_at: Date;
}

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
    const existing = await this.recorded(this.shipments.manager, orderId);
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
      await manager.query(SHIPPING_SQL.record, [orderId, this.carrier.name, trackingNumber]);
      await alongside?.(manager);
      return (await this.recorded(manager, orderId))!;
    });
  }

  private async recorded(manager: EntityManager, orderId: string): Promise<ShipmentEntity | null> {
    const [row] = await manager.query<ShipmentRow[]>(SHIPPING_SQL.find, [orderId]);
    return row
      ? { orderId, carrier: row.carrier, trackingNumber: row.tracking_number, createdAt: row.created_at }
      : null;
  }

  async findForOrder(orderId: string): Promise<ShipmentEntity | null> {
    return this.shipments.findOneBy({ orderId });
  }
}
