import { SagaStepError } from '@app/orders';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { ActivityExecuteInput } from '@temporalio/worker';
import { DomainFailureInterceptor, type AttemptInfo } from './domain-failure.interceptor';

const input = { args: [], headers: {} } as unknown as ActivityExecuteInput;

/** An attempt of `activityType`, first scheduled `elapsedMs` ago. */
function attempt(
  activityType: string,
  number = 1,
  elapsedMs = 0,
  startToCloseTimeoutMs = 15_000,
): AttemptInfo {
  return {
    activityType,
    attempt: number,
    scheduledTimestampMs: Date.now() - elapsedMs,
    startToCloseTimeoutMs,
  };
}

const failureOf = (interceptor: DomainFailureInterceptor, error: Error) =>
  interceptor.execute(input, () => Promise.reject(error)).catch((failure: unknown) => failure);

/** What pg throws when the server is gone. */
const refused = () =>
  Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });

describe('DomainFailureInterceptor (domain step failures as Temporal failures)', () => {
  it.each([
    ['PAYMENT_DECLINED', true],
    ['PAYMENT_PROVIDER_UNAVAILABLE', false],
  ])(
    'turns a %s step error into an ApplicationFailure of that type (non-retryable: %s)',
    async (type, nonRetryable) => {
      const interceptor = new DomainFailureInterceptor(attempt('chargePayment'));
      const failure = await failureOf(interceptor, new SagaStepError(type, 'card refused', nonRetryable));
      expect(failure).toBeInstanceOf(ApplicationFailure);
      expect(failure).toMatchObject({ type, nonRetryable, message: 'card refused' });
    },
  );

  it('passes other errors and results through untouched', async () => {
    const interceptor = new DomainFailureInterceptor(attempt('chargePayment'));
    const crash = new TypeError('boom');
    await expect(interceptor.execute(input, () => Promise.reject(crash))).rejects.toBe(crash);
    await expect(interceptor.execute(input, () => Promise.resolve('done'))).resolves.toBe('done');
  });

  it("leaves Temporal's own failures as they are", async () => {
    const cancelled = new CancelledFailure('WORKER_SHUTDOWN');
    expect(await failureOf(new DomainFailureInterceptor(attempt('chargePayment', 4)), cancelled)).toBe(
      cancelled,
    );
  });

  it('stops an unavailable provider at the fourth attempt, with its own type', async () => {
    const unavailable = () => new SagaStepError('SHIPPING_FAILED', 'carrier down');
    expect(
      await failureOf(new DomainFailureInterceptor(attempt('arrangeShipping', 3)), unavailable()),
    ).toMatchObject({ type: 'SHIPPING_FAILED', nonRetryable: false });
    expect(
      await failureOf(new DomainFailureInterceptor(attempt('arrangeShipping', 4)), unavailable()),
    ).toMatchObject({ type: 'SHIPPING_FAILED', nonRetryable: true });
  });

  it('retries a database outage for the budget since the first attempt, then INFRASTRUCTURE_UNAVAILABLE', async () => {
    const retry = { infrastructureRetryMs: 60_000 };
    const early = await failureOf(
      new DomainFailureInterceptor(attempt('reserveInventory', 20, 59_000), retry),
      refused(),
    );
    expect(early).toMatchObject({ type: 'INFRASTRUCTURE_UNAVAILABLE', nonRetryable: false });
    const late = await failureOf(
      new DomainFailureInterceptor(attempt('reserveInventory', 21, 61_000), retry),
      refused(),
    );
    expect(late).toBeInstanceOf(ApplicationFailure);
    expect(late).toMatchObject({ type: 'INFRASTRUCTURE_UNAVAILABLE', nonRetryable: true });
    expect((late as ApplicationFailure).message).toMatch(/ECONNREFUSED/);
    expect((late as ApplicationFailure).cause?.message).toMatch(/ECONNREFUSED/);
  });

  it('gives an unexpected error four attempts, then UNEXPECTED_ERROR', async () => {
    const crash = new TypeError('boom');
    expect(await failureOf(new DomainFailureInterceptor(attempt('chargePayment', 3)), crash)).toBe(crash);
    expect(await failureOf(new DomainFailureInterceptor(attempt('chargePayment', 4)), crash)).toMatchObject({
      type: 'UNEXPECTED_ERROR',
      nonRetryable: true,
    });
  });

  it('leaves compensations to their unlimited retry policy', async () => {
    const outage = refused();
    expect(
      await failureOf(new DomainFailureInterceptor(attempt('releaseInventory', 50, 3_600_000)), outage),
    ).toBe(outage);
    const provider = await failureOf(
      new DomainFailureInterceptor(attempt('refundPayment', 9)),
      new SagaStepError('PAYMENT_PROVIDER_UNAVAILABLE', 'provider down'),
    );
    expect(provider).toMatchObject({ type: 'PAYMENT_PROVIDER_UNAVAILABLE', nonRetryable: false });
  });

  it('reports a forward step that outlives its start-to-close timeout as an infrastructure failure', async () => {
    const interceptor = new DomainFailureInterceptor(attempt('chargePayment', 1, 0, 200));
    const started = Date.now();
    const failure = await interceptor
      .execute(input, () => new Promise(() => undefined))
      .catch((error: unknown) => error);
    expect(failure).toMatchObject({ type: 'INFRASTRUCTURE_UNAVAILABLE', nonRetryable: false });
    expect(Date.now() - started).toBeLessThan(200); // before Temporal's own timeout
  });
});
