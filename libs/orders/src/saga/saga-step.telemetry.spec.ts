import { StandaloneMetrics } from '@app/observability';
import { ApplicationFailure } from '@temporalio/common';
import { OrdersRepository } from '../orders.repository';
import { SagaStepTelemetry } from './saga-step.telemetry';
import { insertOrder, openStepSpecDatabase, type StepSpecDatabase } from './steps/step-spec.fixture';

interface StepRow {
  step: string;
  attempts: number;
  outcome: string;
  last_error: string | null;
  first_started_at: Date;
  last_started_at: Date;
  last_finished_at: Date;
  last_duration_ms: number;
}

/** The step log each attempt writes, against a real PostgreSQL. */
describe('SagaStepTelemetry: the step log (real PostgreSQL)', () => {
  let spec: StepSpecDatabase;
  let telemetry: SagaStepTelemetry;
  let metrics: StandaloneMetrics;

  const stepsOf = (orderId: string) =>
    spec.dataSource.query<StepRow[]>(
      'SELECT * FROM order_saga_steps WHERE order_id = $1 ORDER BY first_started_at, step',
      [orderId],
    );

  beforeAll(async () => {
    spec = await openStepSpecDatabase('saga_step_log');
    metrics = new StandaloneMetrics();
    telemetry = new SagaStepTelemetry(
      metrics.histogram({
        name: 'workflow_activity_duration_seconds',
        help: 'test',
        labelNames: ['activity', 'engine', 'outcome'],
      }),
      metrics.counter({ name: 'order_saga_steps_total', help: 'test', labelNames: ['step', 'outcome'] }),
      new OrdersRepository(spec.dataSource),
    );
  });
  afterAll(async () => {
    await spec?.close();
  });

  it('records a completed attempt with its timing', async () => {
    const orderId = await insertOrder(spec.dataSource, { status: 'PENDING', total: 100 });

    await expect(telemetry.run('reserveInventory', 'inline', orderId, async () => 'done')).resolves.toBe(
      'done',
    );

    const [row] = await stepsOf(orderId);
    expect(row).toMatchObject({
      step: 'reserveInventory',
      attempts: 1,
      outcome: 'completed',
      last_error: null,
    });
    expect(row.last_finished_at.getTime()).toBeGreaterThanOrEqual(row.last_started_at.getTime());
    expect(row.first_started_at).toEqual(row.last_started_at);
  });

  it('counts every attempt, keeps the last error after a later success, and keeps the first start', async () => {
    const orderId = await insertOrder(spec.dataSource, { status: 'INVENTORY_RESERVED', total: 100 });
    const unavailable = ApplicationFailure.retryable('provider timed out', 'PAYMENT_PROVIDER_UNAVAILABLE');

    await expect(
      telemetry.run('chargePayment', 'temporal', orderId, () => Promise.reject(unavailable)),
    ).rejects.toBe(unavailable);
    const [failed] = await stepsOf(orderId);
    expect(failed).toMatchObject({
      attempts: 1,
      outcome: 'PAYMENT_PROVIDER_UNAVAILABLE',
      last_error: 'ApplicationFailure: provider timed out',
    });

    await telemetry.run('chargePayment', 'temporal', orderId, async () => undefined);

    const [row] = await stepsOf(orderId);
    expect(row).toMatchObject({
      attempts: 2,
      outcome: 'completed',
      last_error: 'ApplicationFailure: provider timed out',
    });
    expect(row.first_started_at).toEqual(failed.first_started_at);
    expect(row.last_started_at.getTime()).toBeGreaterThanOrEqual(failed.last_finished_at.getTime());
  });

  it('keeps one row per step of the order', async () => {
    const orderId = await insertOrder(spec.dataSource, { status: 'PENDING', total: 100 });

    for (const step of ['reserveInventory', 'chargePayment', 'arrangeShipping', 'completeOrder'])
      await telemetry.run(step, 'inline', orderId, async () => undefined);

    // Attempts a millisecond apart may share a start time: compare the rows, not their order.
    const rows = (await stepsOf(orderId)).map((row) => [row.step, row.attempts]);
    expect(rows.sort()).toEqual([
      ['arrangeShipping', 1],
      ['chargePayment', 1],
      ['completeOrder', 1],
      ['reserveInventory', 1],
    ]);
  });

  it("leaves the attempt's own outcome when the step log cannot be written", async () => {
    const broken = new SagaStepTelemetry(
      metrics.histogram({
        name: 'other_duration_seconds',
        help: 'test',
        labelNames: ['activity', 'engine', 'outcome'],
      }),
      metrics.counter({ name: 'other_steps_total', help: 'test', labelNames: ['step', 'outcome'] }),
      {
        recordStepAttempt: () => Promise.reject(new Error('connection terminated')),
      } as unknown as OrdersRepository,
    );
    const declined = ApplicationFailure.nonRetryable('card declined', 'PAYMENT_DECLINED');

    await expect(broken.run('chargePayment', 'inline', 'order-x', async () => 'captured')).resolves.toBe(
      'captured',
    );
    await expect(
      broken.run('chargePayment', 'inline', 'order-x', () => Promise.reject(declined)),
    ).rejects.toBe(declined);
  });
});
