import { compileRetryPolicy } from '@temporalio/common';
import { ORDER_SAGA_ACTIVITY_NAMES, ORDER_SAGA_ACTIVITY_OPTIONS } from './order-saga.activity-options';

describe('ORDER_SAGA_ACTIVITY_OPTIONS', () => {
  it.each(ORDER_SAGA_ACTIVITY_NAMES)('%s has a retry policy Temporal accepts', (name) => {
    const options = ORDER_SAGA_ACTIVITY_OPTIONS[name];
    expect(options.startToCloseTimeout).toBeDefined();
    expect(() => compileRetryPolicy(options.retry!)).not.toThrow();
  });

  it('never retries declines, missing stock or cancellations in forward steps', () => {
    for (const name of ['reserveInventory', 'chargePayment', 'arrangeShipping'] as const) {
      expect(ORDER_SAGA_ACTIVITY_OPTIONS[name].retry?.nonRetryableErrorTypes).toEqual(
        expect.arrayContaining(['OUT_OF_STOCK', 'PAYMENT_DECLINED', 'ORDER_CANCELLED']),
      );
    }
  });
});
