import type { ShippingAddress } from '@app/shipping';
import type { OrderStatus } from './order-status';

export interface OrderLineView {
  sku: string;
  name: string;
  quantity: number;
  unitPrice: number;
  lineTotal: number;
}

/** An order as the API returns it; the orders repository's view statement builds it in the database. */
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
