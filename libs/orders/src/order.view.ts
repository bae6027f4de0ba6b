import type { ShippingAddress } from '@app/shipping';
import type { OrderEntity } from './entities';
import type { OrderStatus } from './order-status';

export interface OrderLineView {
  sku: string;
  name: string;
  quantity: number;
  unitPrice: number;
  lineTotal: number;
}

/** An order as the API returns it; ORDER_VIEW_QUERY builds it in the database. */
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
