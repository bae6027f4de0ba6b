import type { PaymentEntity } from '@app/payments';
import type { ShipmentEntity, ShippingAddress } from '@app/shipping';
import type { OrderEntity, OrderLineEntity, OrderStatusHistoryEntity } from './entities';
import type { OrderStatus } from './order-status';

export interface OrderLineView {
  sku: string;
  name: string;
  quantity: number;
  unitPrice: number;
  lineTotal: number;
}

export interface OrderView {
  id: string;
  customerId: string;
  status: OrderStatus;
  currency: string;
  total: number;
  lines: OrderLineView[];
  shippingAddress: ShippingAddress;
  payment: { method: string; brand: string; last4: string; status: string } | null;
  shipment: { carrier: string; trackingNumber: string } | null;
  failureReason: string | null;
  cancellationRequested: boolean;
  history: Array<{ from: OrderStatus | null; status: OrderStatus; reason: string | null; at: string }>;
  createdAt: string;
  updatedAt: string;
}

export type OrderSummaryView = Pick<
  OrderView,
  'id' | 'customerId' | 'status' | 'currency' | 'total' | 'failureReason' | 'createdAt' | 'updatedAt'
>;

export function toOrderSummary(order: OrderEntity): OrderSummaryView {
  return {
    id: order.id,
    customerId: order.customerId,
    status: order.status,
    currency: order.currency,
    total: order.totalAmount,
    failureReason: order.failureReason,
    createdAt: order.createdAt.toISOString(),
    updatedAt: order.updatedAt.toISOString(),
  };
}

export function toOrderView(parts: {
  order: OrderEntity;
  lines: OrderLineEntity[];
  history: OrderStatusHistoryEntity[];
  payment: PaymentEntity | null;
  shipment: ShipmentEntity | null;
}): OrderView {
  const { order, lines, history, payment, shipment } = parts;
  return {
    ...toOrderSummary(order),
    lines: lines.map((l) => ({
      sku: l.sku,
      name: l.productName,
      quantity: l.quantity,
      unitPrice: l.unitPrice,
      lineTotal: l.lineTotal,
    })),
    shippingAddress: order.shippingAddress,
    payment: payment
      ? { method: payment.method, brand: payment.cardBrand, last4: payment.cardLast4, status: payment.status }
      : null,
    shipment: shipment ? { carrier: shipment.carrier, trackingNumber: shipment.trackingNumber } : null,
    cancellationRequested: order.cancelRequestedAt !== null,
    history: history.map((h) => ({
      from: h.fromStatus,
      status: h.toStatus,
      reason: h.reason,
      at: h.occurredAt.toISOString(),
    })),
  };
}
