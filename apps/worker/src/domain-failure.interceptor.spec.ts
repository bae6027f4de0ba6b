import { SagaStepError } from '@app/orders';
import { ApplicationFailure } from '@temporalio/common';
import type { ActivityExecuteInput } from '@temporalio/worker';
import { DomainFailureInterceptor } from './domain-failure.interceptor';

const input = { args: [], headers: {} } as unknown as ActivityExecuteInput;

describe('DomainFailureInterceptor (domain step failures as Temporal failures)', () => {
  const interceptor = new DomainFailureInterceptor();

  it.each([
    ['PAYMENT_DECLINED', true],
    ['PAYMENT_PROVIDER_UNAVAILABLE', false],
  ])(
    'turns a %s step error into an ApplicationFailure of that type (non-retryable: %s)',
    async (type, nonRetryable) => {
      const failure = await interceptor
        .execute(input, () => Promise.reject(new SagaStepError(type, 'card refused', nonRetryable)))
        .catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(ApplicationFailure);
      expect(failure).toMatchObject({ type, nonRetryable, message: 'card refused' });
    },
  );

  it('passes other errors and results through untouched', async () => {
    const crash = new TypeError('boom');
    await expect(interceptor.execute(input, () => Promise.reject(crash))).rejects.toBe(crash);
    await expect(interceptor.execute(input, () => Promise.resolve('done'))).resolves.toBe('done');
  });
});
