/** Expiry of the made-up test cards: always in the future, whenever the tests run. */
export function testCardExpiry(now = new Date()): { expiryMonth: number; expiryYear: number } {
  return { expiryMonth: 12, expiryYear: now.getUTCFullYear() + 3 };
}

/**
 * A valid `POST /orders` body (the accepted test card); `overrides` replaces top-level fields. The
 * customer is whoever's token sends it.
 */
export function orderBody(overrides: Record<string, unknown> = {}): Record<string, any> {
  return {
    items: [{ sku: 'SKU-001', quantity: 2 }],
    shippingAddress: { name: 'Ada', line1: '1 Main St', city: 'Berlin', postalCode: '10115', country: 'DE' },
    payment: {
      method: 'card',
      cardNumber: '4242424242424242',
      ...testCardExpiry(),
      cvv: '123',
    },
    ...overrides,
  };
}

/** The simulated provider's always-declined card. */
export { ALWAYS_DECLINED_CARD as DECLINED_CARD } from '@app/payments';

export function isTerminalStatus(order: { status: string }): boolean {
  return ['COMPLETED', 'FAILED', 'CANCELLED'].includes(order.status);
}
