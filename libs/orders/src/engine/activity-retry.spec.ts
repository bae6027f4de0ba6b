import { FORWARD_STEP_OPTIONS } from '@app/order-saga';
import { SagaStepError } from '../saga/saga-step.error';
import { stepFailure } from '../saga/step-failure.policy';
import { EngineStoppedError, runWithRetry } from './activity-retry';

/** The forward steps' policy with millisecond intervals, so a test waits out many attempts quickly. */
const FAST = {
  ...FORWARD_STEP_OPTIONS,
  startToCloseTimeout: 200,
  retry: { ...FORWARD_STEP_OPTIONS.retry, initialInterval: 1, maximumInterval: 5 },
};
const outage = () =>
  Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });

describe('runWithRetry (the inline engine under the saga retry policy)', () => {
  const signal = new AbortController().signal;

  it('retries an outage past the provider attempt limit and succeeds once the database is back', async () => {
    let calls = 0;
    const result = await runWithRetry(
      async () => {
        calls += 1;
        if (calls < 12) throw outage();
        return 'reserved';
      },
      FAST,
      signal,
      { decide: (error, at) => stepFailure(error, at, { infrastructureRetryMs: 10_000 }) },
    );
    expect({ result, calls }).toEqual({ result: 'reserved', calls: 12 });
  });

  it('stops at the budget with INFRASTRUCTURE_UNAVAILABLE, counted from the first attempt', async () => {
    const started = Date.now();
    const failure = await runWithRetry(() => Promise.reject(outage()), FAST, signal, {
      decide: (error, at) => stepFailure(error, at, { infrastructureRetryMs: 1_000 }),
    }).catch((error: unknown) => error);
    expect(failure).toMatchObject({ type: 'INFRASTRUCTURE_UNAVAILABLE', nonRetryable: true });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('stops an unavailable provider after four attempts', async () => {
    let calls = 0;
    const failure = await runWithRetry(
      () => {
        calls += 1;
        return Promise.reject(new SagaStepError('PAYMENT_PROVIDER_UNAVAILABLE', 'down'));
      },
      FAST,
      signal,
      { decide: (error, at) => stepFailure(error, at) },
    ).catch((error: unknown) => error);
    expect(failure).toMatchObject({ type: 'PAYMENT_PROVIDER_UNAVAILABLE', nonRetryable: true });
    expect(calls).toBe(4);
  });

  it('treats an attempt that outlives its timeout as an infrastructure failure, and retries it', async () => {
    let calls = 0;
    const result = await runWithRetry(
      () => (++calls === 1 ? new Promise<string>(() => undefined) : Promise.resolve('charged')),
      FAST,
      signal,
      { decide: (error, at) => stepFailure(error, at, { infrastructureRetryMs: 10_000 }) },
    );
    expect({ result, calls }).toEqual({ result: 'charged', calls: 2 });
  });

  it('stops between attempts when the engine stops', async () => {
    const stopping = new AbortController();
    const run = runWithRetry(() => Promise.reject(outage()), FAST, stopping.signal, {
      decide: (error, at) => stepFailure(error, at),
      onRetry: (attempt) => attempt === 3 && stopping.abort(),
    });
    await expect(run).rejects.toBeInstanceOf(EngineStoppedError);
  });
});
