import { bigintAsNumber } from '@app/database';
import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { CardBrand } from './card';

export type PaymentStatus = 'PENDING' | 'CAPTURED' | 'DECLINED' | 'REFUNDED';

/** One card payment per order. Holds the provider token, brand and last four digits — never the PAN or CVV. */
@Entity({ name: 'payments' })
export class PaymentEntity {
  @PrimaryColumn({ name: 'order_id', type: 'uuid' })
  orderId!: string;

  @Column({ type: 'varchar', length: 16 })
  method!: 'card';

  @Column({ name: 'card_brand', type: 'varchar', length: 16 })
  cardBrand!: CardBrand;

  @Column({ name: 'card_last4', type: 'char', length: 4 })
  cardLast4!: string;

  @Column({ name: 'expiry_month', type: 'smallint' })
  expiryMonth!: number;

  @Column({ name: 'expiry_year', type: 'smallint' })
  expiryYear!: number;

  @Column({ name: 'payment_token', type: 'varchar', length: 128, select: false })
  paymentToken!: string;

  @Column({ type: 'bigint', transformer: bigintAsNumber })
  amount!: number;

  @Column({ type: 'char', length: 3 })
  currency!: string;

  @Column({ type: 'varchar', length: 16 })
  status!: PaymentStatus;

  @Column({ name: 'provider_reference', type: 'varchar', length: 64, nullable: true })
  providerReference!: string | null;

  @Column({ name: 'decline_code', type: 'varchar', length: 64, nullable: true })
  declineCode!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
