import { failureTypeOf } from '@app/order-saga';
import type { Counter } from 'prom-client';

interface HasStepCounter {
  readonly steps: Counter<'step' | 'outcome'>;
}

/**
 * Counts each run of a saga activity by outcome: `completed`, or the failure type it threw
 * (OUT_OF_STOCK, PAYMENT_DECLINED, …; `error` for anything unexpected). Engine-independent.
 */
export function CountedStep(): MethodDecorator {
  return (_target, key, descriptor: PropertyDescriptor) => {
    const run = descriptor.value as (...args: unknown[]) => Promise<unknown>;
    descriptor.value = async function (this: HasStepCounter, ...args: unknown[]) {
      try {
        const result = await run.apply(this, args);
        this.steps.inc({ step: String(key), outcome: 'completed' });
        return result;
      } catch (error) {
        this.steps.inc({ step: String(key), outcome: failureTypeOf(error) ?? 'error' });
        throw error;
      }
    };
  };
}
