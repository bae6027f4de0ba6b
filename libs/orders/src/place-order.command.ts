import type { CardDetails } from '@app/payments';
import type { ShippingAddress } from '@app/shipping';

export interface PlaceOrderCommand {
  customerId: string;
  idempotencyKey?: string;
  items: Array<{ sku: string; quantity: number }>;
  shippingAddress: ShippingAddress;
  payment: { method: 'card' } & CardDetails;
}

/** The orders of one customer: nobody lists another customer's orders. */
export interface ListOrdersQuery {
  customerId: string;
  status?: string;
  limit: number;
  cursor?: string;
}
