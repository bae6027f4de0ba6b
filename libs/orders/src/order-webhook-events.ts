import type { WebhookEventType } from '@app/webhooks';
import type { OrderStatus } from './order-status';

/** The webhook event each status change announces (reaching INVENTORY_RESERVED announces none). */
export const WEBHOOK_EVENT_OF_STATUS: Partial<Record<OrderStatus, WebhookEventType>> = {
  PAID: 'payment.captured',
  SHIPPED: 'shipment.created',
  COMPLETED: 'order.completed',
  FAILED: 'order.failed',
  CANCELLED: 'order.cancelled',
};
