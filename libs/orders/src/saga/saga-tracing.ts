import { addActiveSpanEvent, annotateActiveSpan, type LazySpanAttributes } from '@app/observability';
import type { OrderEntity } from '../entities';

/** Span attribute keys of the order domain, declared once. No personal data: ids, amounts, methods. */
export const ORDER_SPAN_ATTRIBUTES = {
  orderId: 'order.id',
  total: 'order.total',
  currency: 'order.currency',
  status: 'order.status',
  paymentMethod: 'payment.method',
  paymentOutcome: 'payment.outcome',
  declineCode: 'payment.decline_code',
  failureReason: 'order.failure_reason',
} as const;

/** Span events recorded on the charge step. */
export const PAYMENT_EVENTS = {
  captured: 'payment.captured',
  declined: 'payment.declined',
  unavailable: 'payment.provider_unavailable',
} as const;

/** Instrumentation scope of the saga's spans (`saga.run`, `saga.<step>`). */
export const SAGA_TRACER = 'orders-saga';

/**
 * Adds the order's business attributes to the active span (the saga step being run); built only when that
 * span records (the step is sampled).
 */
export function annotateOrder(order: Pick<OrderEntity, 'id' | 'totalAmount' | 'currency' | 'status'>): void {
  annotateActiveSpan(() => ({
    [ORDER_SPAN_ATTRIBUTES.orderId]: order.id,
    [ORDER_SPAN_ATTRIBUTES.total]: order.totalAmount,
    [ORDER_SPAN_ATTRIBUTES.currency]: order.currency,
    [ORDER_SPAN_ATTRIBUTES.status]: order.status,
    [ORDER_SPAN_ATTRIBUTES.paymentMethod]: 'card',
  }));
}

export function recordFailureReason(reason: string): void {
  annotateActiveSpan(() => ({ [ORDER_SPAN_ATTRIBUTES.failureReason]: reason }));
}

/** An event on the active span; pass a function for attributes that cost something to build. */
export function recordSpanEvent(name: string, attributes?: LazySpanAttributes): void {
  addActiveSpanEvent(name, attributes);
}
