import { returningRows } from '@app/database';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import type { ShipmentEntity } from './shipment.entity';
import { SHIPPING_SQL } from './shipping.sql';

interface ShipmentRow {
  carrier: string;
  tracking_number: string;
  created_at: Date;
}

/**
 * The `shipments` table, read and written with the statements of `shipping.sql.ts` only. Methods that
 * take an `EntityManager` run inside the caller's transaction.
 */
@Injectable()
export class ShippingRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async find(
    orderId: string,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<ShipmentEntity | null> {
    const [row] = await manager.query<ShipmentRow[]>(SHIPPING_SQL.find, [orderId]);
    return row
      ? { orderId, carrier: row.carrier, trackingNumber: row.tracking_number, createdAt: row.created_at }
      : null;
  }

  /**
   * Keeps the first booking recorded for the order, in one statement: true when this one was recorded,
   * false when an earlier booking stands.
   */
  async insert(
    manager: EntityManager,
    booking: Pick<ShipmentEntity, 'orderId' | 'carrier' | 'trackingNumber'>,
  ): Promise<boolean> {
    const recorded = await returningRows(manager, SHIPPING_SQL.record, [
      booking.orderId,
      booking.carrier,
      booking.trackingNumber,
    ]);
    return recorded.length === 1;
  }
}
