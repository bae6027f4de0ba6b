import { compileRetryPolicy } from '@temporalio/common';
import {
  FORWARD_STEP_RETRY,
  FORWARD_STEPS,
  isForwardStep,
  ORDER_SAGA_ACTIVITY_NAMES,
  ORDER_SAGA_ACTIVITY_OPTIONS,
} from './order-saga.activity-options';
import { ORDER_SAGA_STEPS } from './order-saga.definition';

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

describe('forward steps', () => {
  it('set no attempt limit: the step itself decides when to stop, so an outage can be waited out', () => {
    for (const name of FORWARD_STEPS) {
      expect(ORDER_SAGA_ACTIVITY_OPTIONS[name].retry?.maximumAttempts).toBeUndefined();
      expect(ORDER_SAGA_ACTIVITY_OPTIONS[name].retry).toMatchObject({
        initialInterval: 250,
        maximumInterval: 10_000,
      });
    }
    expect(FORWARD_STEP_RETRY).toEqual({ attempts: 4, infrastructureRetryMs: 300_000 });
  });

  it('are the three steps of the saga that move an order forward, and only those', () => {
    expect(ORDER_SAGA_STEPS.map((step) => step.activity)).toEqual([...FORWARD_STEPS]);
    expect(ORDER_SAGA_ACTIVITY_NAMES.filter(isForwardStep)).toEqual([...FORWARD_STEPS]);
  });
});
