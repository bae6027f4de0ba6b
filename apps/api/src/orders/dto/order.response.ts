import { ORDER_STATUSES } from '@app/orders';
import { ApiProperty } from '@nestjs/swagger';
import { ShippingAddressDto } from './place-order.dto';

class OrderLineResponse {
  @ApiProperty() sku!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ type: 'integer', minimum: 1 }) quantity!: number;
  @ApiProperty({ type: 'integer', description: 'minor units' }) unitPrice!: number;
  @ApiProperty({ type: 'integer', description: 'minor units' }) lineTotal!: number;
}

class PaymentSummaryResponse {
  @ApiProperty({ example: 'card' }) method!: string;
  @ApiProperty({ example: 'visa' }) brand!: string;
  @ApiProperty({ example: '4242' }) last4!: string;
  @ApiProperty({ enum: ['PENDING', 'CAPTURED', 'DECLINED', 'REFUNDED'] }) status!: string;
}

class ShipmentResponse {
  @ApiProperty({ example: 'SIM-EXPRESS' }) carrier!: string;
  @ApiProperty() trackingNumber!: string;
}

class HistoryEntryResponse {
  @ApiProperty({ enum: ORDER_STATUSES, nullable: true }) from!: string | null;
  @ApiProperty({ enum: ORDER_STATUSES, enumName: 'OrderStatus' }) status!: string;
  @ApiProperty({ type: String, nullable: true }) reason!: string | null;
  @ApiProperty({ format: 'date-time' }) at!: string;
}

export class OrderSummaryResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() customerId!: string;
  @ApiProperty({ enum: ORDER_STATUSES, enumName: 'OrderStatus' }) status!: string;
  @ApiProperty({ example: 'EUR' }) currency!: string;
  @ApiProperty({ type: 'integer', description: 'minor units, computed by the server' }) total!: number;
  @ApiProperty({
    type: String,
    nullable: true,
    example: null,
    description: 'machine-readable, e.g. PAYMENT_DECLINED',
  })
  failureReason!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
}

export class OrderResponse extends OrderSummaryResponse {
  @ApiProperty({ type: [OrderLineResponse] }) lines!: OrderLineResponse[];
  @ApiProperty({ type: ShippingAddressDto }) shippingAddress!: ShippingAddressDto;
  @ApiProperty({ type: PaymentSummaryResponse, nullable: true, description: 'null until a payment is made' })
  payment!: PaymentSummaryResponse | null;
  @ApiProperty({ type: ShipmentResponse, nullable: true, description: 'null until a shipment is booked' })
  shipment!: ShipmentResponse | null;
  @ApiProperty() cancellationRequested!: boolean;
  @ApiProperty({ type: [HistoryEntryResponse] }) history!: HistoryEntryResponse[];
}

export class OrderPageResponse {
  @ApiProperty({ type: [OrderSummaryResponse] }) items!: OrderSummaryResponse[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}
