import { Column, Entity, PrimaryColumn } from 'typeorm';

export type ReservationStatus = 'RESERVED' | 'RELEASED';

/** Stock held by one order for one SKU; released on compensation, kept when the order ships. */
@Entity({ name: 'inventory_reservations' })
export class InventoryReservationEntity {
  @PrimaryColumn({ name: 'order_id', type: 'uuid' })
  orderId!: string;

  @PrimaryColumn({ type: 'varchar', length: 64 })
  sku!: string;

  @Column({ type: 'integer' })
  quantity!: number;

  @Column({ type: 'varchar', length: 16 })
  status!: ReservationStatus;

  @Column({ name: 'reserved_at', type: 'timestamptz', default: () => 'now()' })
  reservedAt!: Date;

  @Column({ name: 'released_at', type: 'timestamptz', nullable: true })
  releasedAt!: Date | null;
}
