import { ApplicationFailure } from '@temporalio/common';
import { runOrderSaga } from './order-saga.definition';
import type {
  FailureReason,
  OrderSagaActivities,
  OrderSagaRuntime,
  OrderSagaState,
} from './order-saga.types';

/** Activities that record their calls; `failures` makes a named activity throw. */
function recordingActivities(failures: Partial<Record<keyof OrderSagaActivities, Error>> = {}) {
  const calls: string[] = [];
  const make =
    (name: keyof OrderSagaActivities) =>
    async (_orderId: string, reason?: FailureReason): Promise<boolean> => {
      calls.push(reason ? `${name}:${reason}` : name);
      const failure = failures[name];
      if (failure) throw failure;
      return true;
    };
  const activities = {
    reserveInventory: make('reserveInventory'),
    releaseInventory: make('releaseInventory'),
    chargePayment: make('chargePayment'),
    refundPayment: make('refundPayment'),
    arrangeShipping: make('arrangeShipping'),
    completeOrder: make('completeOrder'),
    failOrder: make('failOrder'),
    cancelOrder: make('cancelOrder'),
  } as unknown as OrderSagaActivities;
  return { calls, activities };
}

function runtime(
  activities: OrderSagaActivities,
  cancelled = () => false,
): OrderSagaRuntime & { states: OrderSagaState[] } {
  const states: OrderSagaState[] = [];
  return { activities, isCancellationRequested: cancelled, onStateChange: (s) => states.push(s), states };
}

describe('runOrderSaga', () => {
  it('runs reserve → charge → ship → complete on the happy path', async () => {
    const { calls, activities } = recordingActivities();
    const rt = runtime(activities);
    const result = await runOrderSaga({ orderId: 'o-1' }, rt);
    expect(result).toEqual({ orderId: 'o-1', outcome: 'COMPLETED', failureReason: null });
    expect(calls).toEqual(['reserveInventory', 'chargePayment', 'arrangeShipping', 'completeOrder']);
    expect(rt.states.at(-1)).toMatchObject({
      phase: 'COMPLETED',
      completedSteps: ['reserveInventory', 'chargePayment', 'arrangeShipping'],
    });
  });

  it('compensates in reverse order and fails with the declined reason', async () => {
    const { calls, activities } = recordingActivities({
      chargePayment: ApplicationFailure.nonRetryable('card declined', 'PAYMENT_DECLINED'),
    });
    const result = await runOrderSaga({ orderId: 'o-2' }, runtime(activities));
    expect(result.outcome).toBe('FAILED');
    expect(result.failureReason).toBe('PAYMENT_DECLINED');
    expect(calls).toEqual([
      'reserveInventory',
      'chargePayment',
      'refundPayment',
      'releaseInventory',
      'failOrder:PAYMENT_DECLINED',
    ]);
  });

  it('refunds then releases when shipping fails', async () => {
    const { calls, activities } = recordingActivities({
      arrangeShipping: ApplicationFailure.retryable('carrier down', 'SHIPPING_FAILED'),
    });
    const result = await runOrderSaga({ orderId: 'o-3' }, runtime(activities));
    expect(result.failureReason).toBe('SHIPPING_FAILED');
    expect(calls.slice(3)).toEqual(['refundPayment', 'releaseInventory', 'failOrder:SHIPPING_FAILED']);
  });

  it('reads the reason from the cause Temporal wraps around an activity failure', async () => {
    const wrapped = Object.assign(new Error('Activity task failed'), {
      cause: ApplicationFailure.nonRetryable('no stock', 'OUT_OF_STOCK'),
    });
    const { calls, activities } = recordingActivities({ reserveInventory: wrapped });
    const result = await runOrderSaga({ orderId: 'o-4' }, runtime(activities));
    expect(result.failureReason).toBe('OUT_OF_STOCK');
    expect(calls).toEqual(['reserveInventory', 'releaseInventory', 'failOrder:OUT_OF_STOCK']);
  });

  it('fails with INFRASTRUCTURE_UNAVAILABLE when a step gave up on its infrastructure, after compensating', async () => {
    const { calls, activities } = recordingActivities({
      chargePayment: ApplicationFailure.nonRetryable('database unavailable', 'INFRASTRUCTURE_UNAVAILABLE'),
    });
    const result = await runOrderSaga({ orderId: 'o-9' }, runtime(activities));
    expect(result).toEqual({
      orderId: 'o-9',
      outcome: 'FAILED',
      failureReason: 'INFRASTRUCTURE_UNAVAILABLE',
    });
    expect(calls.slice(2)).toEqual([
      'refundPayment',
      'releaseInventory',
      'failOrder:INFRASTRUCTURE_UNAVAILABLE',
    ]);
  });

  it('maps an unknown error to UNEXPECTED_ERROR', async () => {
    const { calls, activities } = recordingActivities({ chargePayment: new TypeError('boom') });
    const result = await runOrderSaga({ orderId: 'o-5' }, runtime(activities));
    expect(result.failureReason).toBe('UNEXPECTED_ERROR');
    expect(calls).toContain('refundPayment');
  });

  it('never refunds or restocks once the order has shipped', async () => {
    const { calls, activities } = recordingActivities({ completeOrder: new TypeError('boom') });
    const result = await runOrderSaga({ orderId: 'o-8' }, runtime(activities));
    expect(result.outcome).toBe('FAILED');
    expect(calls).not.toContain('refundPayment');
    expect(calls).not.toContain('releaseInventory');
  });

  it('stops before the next step when cancellation is requested and compensates', async () => {
    const { calls, activities } = recordingActivities();
    let cancel = false;
    const original = activities.chargePayment;
    activities.chargePayment = async (id) => {
      await original(id);
      cancel = true;
    };
    const result = await runOrderSaga(
      { orderId: 'o-6' },
      runtime(activities, () => cancel),
    );
    expect(result.outcome).toBe('CANCELLED');
    expect(calls).toEqual([
      'reserveInventory',
      'chargePayment',
      'refundPayment',
      'releaseInventory',
      'cancelOrder',
    ]);
  });

  it('treats an ORDER_CANCELLED activity failure as a cancellation, not a failure', async () => {
    const { calls, activities } = recordingActivities({
      arrangeShipping: ApplicationFailure.nonRetryable('cancelled', 'ORDER_CANCELLED'),
    });
    const result = await runOrderSaga({ orderId: 'o-7' }, runtime(activities));
    expect(result).toEqual({ orderId: 'o-7', outcome: 'CANCELLED', failureReason: null });
    expect(calls.at(-1)).toBe('cancelOrder');
  });

  describe('resumed from the recorded state', () => {
    it('skips the steps the order completed and reports each status it reaches', async () => {
      const { calls, activities } = recordingActivities();
      const statuses: string[] = [];
      const rt = { ...runtime(activities), onOrderStatus: (status: string) => statuses.push(status) };

      const result = await runOrderSaga({ orderId: 'o-r1', resumeFrom: 'INVENTORY_RESERVED' }, rt);

      expect(result.outcome).toBe('COMPLETED');
      expect(calls).toEqual(['chargePayment', 'arrangeShipping', 'completeOrder']);
      expect(statuses).toEqual(['PAID', 'SHIPPED', 'COMPLETED']);
      expect(rt.states.at(-1)?.completedSteps).toEqual([
        'reserveInventory',
        'chargePayment',
        'arrangeShipping',
      ]);
    });

    it('still compensates the skipped steps when a later one fails', async () => {
      const { calls, activities } = recordingActivities({
        arrangeShipping: ApplicationFailure.nonRetryable('no carrier', 'SHIPPING_FAILED'),
      });

      const result = await runOrderSaga({ orderId: 'o-r2', resumeFrom: 'PAID' }, runtime(activities));

      expect(result).toEqual({ orderId: 'o-r2', outcome: 'FAILED', failureReason: 'SHIPPING_FAILED' });
      expect(calls).toEqual([
        'arrangeShipping',
        'refundPayment',
        'releaseInventory',
        'failOrder:SHIPPING_FAILED',
      ]);
    });

    it('only completes an order that had shipped, even with a cancellation requested', async () => {
      const { calls, activities } = recordingActivities();

      const result = await runOrderSaga(
        { orderId: 'o-r3', resumeFrom: 'SHIPPED' },
        runtime(activities, () => true),
      );

      expect(result.outcome).toBe('COMPLETED');
      expect(calls).toEqual(['completeOrder']);
    });

    it('cancels a resumed order before its next step, compensating what it had done', async () => {
      const { calls, activities } = recordingActivities();
      const statuses: string[] = [];
      const rt = {
        ...runtime(activities, () => true),
        onOrderStatus: (status: string) => statuses.push(status),
      };

      const result = await runOrderSaga({ orderId: 'o-r4', resumeFrom: 'INVENTORY_RESERVED' }, rt);

      expect(result.outcome).toBe('CANCELLED');
      expect(calls).toEqual(['releaseInventory', 'cancelOrder']);
      expect(statuses).toEqual(['CANCELLED']);
    });
  });
});
