import { QueryFailedError } from 'typeorm';
import { SagaStepError } from './saga-step.error';
import { isInfrastructureFailure, stepFailure, stepFailureKind } from './step-failure.policy';
import { ActivityTimeoutError } from './step-timeout.error';

/** An error as pg reports one from the server (SQLSTATE in `code`). */
const pgError = (code: string, message: string) => Object.assign(new Error(message), { code });

describe('stepFailureKind', () => {
  it.each([
    [
      'the server shutting down (57P01)',
      pgError('57P01', 'terminating connection due to administrator command'),
    ],
    [
      'a refused connection',
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
    ],
    ['a connection cut mid-query', new Error('Connection terminated unexpectedly')],
    ['a pool that cannot connect in time', new Error('timeout exceeded when trying to connect')],
    ['a statement timeout (57014)', pgError('57014', 'canceling statement due to statement timeout')],
    ['a deadlock (40P01)', pgError('40P01', 'deadlock detected')],
    [
      'TypeORM wrapping a reset connection',
      new QueryFailedError(
        'SELECT 1',
        [],
        Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }),
      ),
    ],
    [
      'Temporal unreachable (gRPC UNAVAILABLE)',
      Object.assign(new Error('14 UNAVAILABLE'), { code: 14, details: 'No connection established' }),
    ],
    ['the step timing out', new ActivityTimeoutError(15_000)],
  ])('infrastructure: %s', (_, error) => {
    expect(isInfrastructureFailure(error)).toBe(true);
    expect(stepFailureKind(error)).toBe('infrastructure');
  });

  it.each([
    ['business', new SagaStepError('PAYMENT_DECLINED', 'declined', true)],
    ['business', new SagaStepError('ORDER_CANCELLED', 'cancelled', true)],
    ['provider', new SagaStepError('PAYMENT_PROVIDER_UNAVAILABLE', 'provider down')],
    ['provider', new SagaStepError('SHIPPING_FAILED', 'carrier down')],
    ['unexpected', new TypeError("Cannot read properties of undefined (reading 'id')")],
    ['unexpected', pgError('23505', 'duplicate key value violates unique constraint')],
    ['unexpected', pgError('42P01', 'relation "orders" does not exist')],
  ])('%s: %s', (kind, error) => {
    expect(stepFailureKind(error)).toBe(kind);
  });
});

describe('stepFailure', () => {
  const outage = () =>
    Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
  const budget = { infrastructureRetryMs: 10_000 };

  it('keeps retrying an outage, whatever the attempt number, while the budget lasts', () => {
    const failure = stepFailure(outage(), { attempt: 40, elapsedMs: 9_999 }, budget);
    expect(failure).toBeInstanceOf(SagaStepError);
    expect(failure).toMatchObject({ type: 'INFRASTRUCTURE_UNAVAILABLE', nonRetryable: false });
    expect((failure as Error).cause).toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('gives up with INFRASTRUCTURE_UNAVAILABLE once the budget since the first attempt is spent', () => {
    const failure = stepFailure(outage(), { attempt: 3, elapsedMs: 10_000 }, budget) as SagaStepError;
    expect(failure).toMatchObject({ type: 'INFRASTRUCTURE_UNAVAILABLE', nonRetryable: true });
    expect(failure.message).toMatch(/for 10 s \(attempt 3, budget 10 s\).*ECONNREFUSED/);
    // Applied again (a failure already decided): the same decision, the original cause.
    expect(stepFailure(failure, { attempt: 3, elapsedMs: 10_000 }, budget)).toMatchObject({
      nonRetryable: true,
      cause: failure.cause,
    });
  });

  it('waits 5 minutes by default', () => {
    expect(stepFailure(outage(), { attempt: 30, elapsedMs: 299_000 })).toMatchObject({ nonRetryable: false });
    expect(stepFailure(outage(), { attempt: 31, elapsedMs: 300_000 })).toMatchObject({ nonRetryable: true });
  });

  it('gives an unavailable provider four attempts, then fails the order with that reason', () => {
    const down = new SagaStepError('PAYMENT_PROVIDER_UNAVAILABLE', 'provider down');
    expect(stepFailure(down, { attempt: 3, elapsedMs: 1_000 })).toBe(down);
    expect(stepFailure(down, { attempt: 4, elapsedMs: 2_000 })).toMatchObject({
      type: 'PAYMENT_PROVIDER_UNAVAILABLE',
      nonRetryable: true,
    });
  });

  it('never retries a business failure, and gives an unexpected error four attempts', () => {
    const declined = new SagaStepError('PAYMENT_DECLINED', 'declined', true);
    expect(stepFailure(declined, { attempt: 1, elapsedMs: 0 })).toBe(declined);
    const bug = new TypeError('boom');
    expect(stepFailure(bug, { attempt: 3, elapsedMs: 0 })).toBe(bug);
    expect(stepFailure(bug, { attempt: 4, elapsedMs: 0 })).toMatchObject({
      type: 'UNEXPECTED_ERROR',
      nonRetryable: true,
      cause: bug,
    });
  });
});
