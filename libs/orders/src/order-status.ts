export const ORDER_STATUSES = [
  'PENDING',
  'INVENTORY_RESERVED',
  'PAID',
  'SHIPPED',
  'COMPLETED',
  'FAILED',
  'CANCELLED',
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export const TERMINAL_STATUSES: readonly OrderStatus[] = ['COMPLETED', 'FAILED', 'CANCELLED'];
export const NON_TERMINAL_STATUSES: readonly OrderStatus[] = ORDER_STATUSES.filter(
  (s) => !TERMINAL_STATUSES.includes(s),
);

/** Statuses from which a customer may still cancel (and only while shipping has not been claimed). */
export const CANCELLABLE_STATUSES: readonly OrderStatus[] = ['PENDING', 'INVENTORY_RESERVED', 'PAID'];

/** The lifecycle only moves forward: each status lists where it may go next. */
export const ALLOWED_TRANSITIONS: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = {
  PENDING: ['INVENTORY_RESERVED', 'FAILED', 'CANCELLED'],
  INVENTORY_RESERVED: ['PAID', 'FAILED', 'CANCELLED'],
  PAID: ['SHIPPED', 'FAILED', 'CANCELLED'],
  SHIPPED: ['COMPLETED', 'FAILED'],
  COMPLETED: [],
  FAILED: [],
  CANCELLED: [],
};

export function canTransition(from: OrderStatus, to: OrderStatus): boolean {
  return ALLOWED_TRANSITIONS[from].includes(to);
}
