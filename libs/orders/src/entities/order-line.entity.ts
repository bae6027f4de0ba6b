import { bigintAsNumber } from '@app/database';
import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A line as priced when the order was placed (catalog prices may change later). */
@Entity({ name: 'order_lines' })
export class OrderLineEntity {
  @PrimaryColumn({ name: 'order_id', type: 'uuid' })
  orderId!: string;

  @PrimaryColumn({ name: 'line_no', type: 'smallint' })
  lineNo!: number;

  @Column({ type: 'varchar', length: 64 })
  sku!: string;

  @Column({ name: 'product_name', type: 'varchar', length: 200 })
  productName!: string;

  @Column({ type: 'integer' })
  quantity!: number;

  @Column({ name: 'unit_price', type: 'integer' })
  unitPrice!: number;

  @Column({ name: 'line_total', type: 'bigint', transformer: bigintAsNumber })
  lineTotal!: number;
}
