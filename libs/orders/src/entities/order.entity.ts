import { bigintAsNumber } from '@app/database';
import type { ShippingAddress } from '@app/shipping';
import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { OrderStatus } from '../order-status';

@Entity({ name: 'orders' })
export class OrderEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ name: 'customer_id', type: 'varchar', length: 64 })
  customerId!: string;

  @Column({ name: 'idempotency_key', type: 'varchar', length: 255, nullable: true })
  idempotencyKey!: string | null;

  /** Hash of the request (without card secrets): a reused idempotency key must carry the same request. */
  @Column({ name: 'request_fingerprint', type: 'char', length: 64 })
  requestFingerprint!: string;

  @Column({ type: 'varchar', length: 32 })
  status!: OrderStatus;

  @Column({ type: 'char', length: 3 })
  currency!: string;

  @Column({ name: 'total_amount', type: 'bigint', transformer: bigintAsNumber })
  totalAmount!: number;

  @Column({ name: 'shipping_address', type: 'jsonb' })
  shippingAddress!: ShippingAddress;

  @Column({ name: 'failure_reason', type: 'varchar', length: 64, nullable: true })
  failureReason!: string | null;

  @Column({ name: 'cancel_requested_at', type: 'timestamptz', nullable: true })
  cancelRequestedAt!: Date | null;

  @Column({ name: 'shipping_claimed_at', type: 'timestamptz', nullable: true })
  shippingClaimedAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
