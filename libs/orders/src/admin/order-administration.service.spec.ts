import type { OrderToRun, WorkflowEngine } from '../engine/workflow-engine.port';
import type { OrderStatus } from '../order-status';
import { OrderAlreadyFinishedError, OrderNotCancellableError, OrderNotFoundError } from '../orders.errors';
import { OrdersRepository } from '../orders.repository';
import {
  AuditRecorder,
  insertOrder,
  openStepSpecDatabase,
  statusOf,
  type StepSpecDatabase,
} from '../saga/steps/step-spec.fixture';
import { OrderAdministration } from './order-administration.service';

/** What operators do to orders, on the real repository and PostgreSQL, with the engine faked. */
describe('OrderAdministration (real PostgreSQL, engine faked)', () => {
  let spec: StepSpecDatabase;
  let orders: OrdersRepository;
  let audit: AuditRecorder;
  let engine: jest.Mocked<Pick<WorkflowEngine, 'resume' | 'requestCancellation' | 'describe'>>;
  let administration: OrderAdministration;

  const order = (status: OrderStatus, changedSecondsAgo = 0) =>
    insertOrder(spec.dataSource, { status, total: 4200, shippingAddress: { city: 'Berlin' } }).then(
      async (id) => {
        await spec.dataSource.query(
          `UPDATE orders SET updated_at = now() - make_interval(secs => $2) WHERE id = $1`,
          [id, changedSecondsAgo],
        );
        return id;
      },
    );

  beforeAll(async () => {
    spec = await openStepSpecDatabase('order_administration');
    orders = new OrdersRepository(spec.dataSource);
  });
  beforeEach(() => {
    audit = new AuditRecorder();
    engine = {
      resume: jest.fn(async (_order: OrderToRun) => 'started' as const),
      requestCancellation: jest.fn(async (_orderId: string) => undefined),
      describe: jest.fn(async (_orderId: string) => ({ engine: 'inline' as const, running: false })),
    };
    administration = new OrderAdministration(orders, engine as unknown as WorkflowEngine, audit.log);
  });
  afterAll(async () => {
    await spec?.close();
  });

  describe('details', () => {
    it("answers any customer's order with its steps, its trace and its workflow, and audits the read", async () => {
      const id = await order('PAID');
      await spec.dataSource.query(`UPDATE orders SET trace_id = $2 WHERE id = $1`, [id, 'ab'.repeat(16)]);
      await orders.recordStepAttempt({
        orderId: id,
        step: 'reserveInventory',
        outcome: 'completed',
        error: null,
        startedAt: new Date(Date.now() - 50),
        finishedAt: new Date(),
      });

      const details = await administration.details(id, 'operator-7');

      expect(details).toMatchObject({
        id,
        customerId: 'customer-1',
        status: 'PAID',
        shippingAddress: { city: 'Berlin' },
        traceId: 'ab'.repeat(16),
        workflow: { engine: 'inline', running: false },
        steps: [{ step: 'reserveInventory', attempts: 1, outcome: 'completed', lastError: null }],
      });
      expect(details.steps[0].lastDurationMs).toBeGreaterThanOrEqual(0);
      expect(audit.records).toEqual([
        {
          action: 'order-viewed-by-operator',
          fields: { 'order.id': id, 'customer.id': 'customer-1', 'user.id': 'operator-7' },
          outcome: undefined,
        },
      ]);
    });

    it('is not found, and audits nothing, for an unknown order', async () => {
      await expect(
        administration.details('6f1c6f44-8c1e-4a43-9d5a-2d7d1f0f4d11', 'operator-7'),
      ).rejects.toBeInstanceOf(OrderNotFoundError);
      expect(audit.records).toEqual([]);
    });
  });

  describe('cancel', () => {
    it("requests the cancellation of any customer's order, naming the operator and the reason", async () => {
      const id = await order('INVENTORY_RESERVED');

      const view = await administration.cancel(id, 'operator-7', 'customer asked by phone');

      expect(view.cancellationRequested).toBe(true);
      expect(engine.requestCancellation).toHaveBeenCalledWith(id);
      expect(audit.records).toEqual([
        {
          action: 'order-cancellation-requested',
          fields: {
            'order.id': id,
            'customer.id': 'customer-1',
            'user.id': 'operator-7',
            'event.reason': 'customer asked by phone',
          },
          outcome: undefined,
        },
      ]);
    });

    it('refuses an order whose shipping started, as the customer route does', async () => {
      const id = await order('SHIPPED');

      await expect(administration.cancel(id, 'operator-7', 'too late')).rejects.toBeInstanceOf(
        OrderNotCancellableError,
      );
      expect(engine.requestCancellation).not.toHaveBeenCalled();
    });
  });

  describe('stuck', () => {
    it('lists the unfinished orders unchanged for longer than asked, with the step each waits in', async () => {
      const payment = await order('INVENTORY_RESERVED', 3_600);
      const shipping = await order('PAID', 1_800);
      const moving = await order('PAID', 1);
      const finished = await order('COMPLETED', 7_200);
      await orders.recordStepAttempt({
        orderId: payment,
        step: 'chargePayment',
        outcome: 'PAYMENT_PROVIDER_UNAVAILABLE',
        error: 'ApplicationFailure: provider timed out',
        startedAt: new Date(),
        finishedAt: new Date(),
      });

      const stuck = await administration.stuck(900, 100);
      const ids = stuck.map((s) => s.id);

      expect(ids.indexOf(payment)).toBeLessThan(ids.indexOf(shipping));
      expect(ids).not.toContain(moving);
      expect(ids).not.toContain(finished);
      expect(stuck.find((s) => s.id === payment)).toMatchObject({
        status: 'INVENTORY_RESERVED',
        currentStep: 'chargePayment',
        waitingFor: 'the payment provider',
        lastAttempt: { attempts: 1, outcome: 'PAYMENT_PROVIDER_UNAVAILABLE' },
      });
      expect(stuck.find((s) => s.id === shipping)).toMatchObject({
        currentStep: 'arrangeShipping',
        waitingFor: 'the carrier',
        lastAttempt: null,
      });
    });
  });

  describe('stuck, while a cancellation is compensated', () => {
    it('names the compensation and the activity it attempted last', async () => {
      const id = await order('PAID', 3_600);
      await spec.dataSource.query('UPDATE orders SET cancel_requested_at = now() WHERE id = $1', [id]);
      await spec.dataSource.query(`UPDATE orders SET updated_at = now() - interval '1 hour' WHERE id = $1`, [
        id,
      ]);
      const at = (secondsAgo: number) => new Date(Date.now() - secondsAgo * 1000);
      for (const [step, secondsAgo] of [
        ['chargePayment', 30],
        ['refundPayment', 20],
        ['releaseInventory', 10],
      ] as const)
        await orders.recordStepAttempt({
          orderId: id,
          step,
          outcome: step === 'releaseInventory' ? 'INFRASTRUCTURE_UNAVAILABLE' : 'completed',
          error: null,
          startedAt: at(secondsAgo),
          finishedAt: at(secondsAgo),
        });

      const stuck = (await administration.stuck(900, 1_000)).find((s) => s.id === id);

      expect(stuck).toMatchObject({
        cancellationRequested: true,
        currentStep: 'compensation',
        lastAttempt: { step: 'releaseInventory', outcome: 'INFRASTRUCTURE_UNAVAILABLE' },
      });
    });
  });

  describe('resume', () => {
    it('hands the order to the engine from its recorded state and audits it', async () => {
      const id = await order('PAID', 1_000);

      const { outcome, order: view } = await administration.resume(id, 'operator-7');

      expect(outcome).toBe('started');
      expect(view.status).toBe('PAID');
      const [run] = engine.resume.mock.calls[0];
      expect(run).toMatchObject({ id, customerId: 'customer-1', total: 4200, status: 'PAID' });
      expect(Date.now() - run.statusChangedAt.getTime()).toBeGreaterThan(990_000);
      expect(audit.actions).toEqual(['order-resumed']);
      expect(audit.records[0].fields).toMatchObject({
        'user.id': 'operator-7',
        'saga.resume_outcome': 'started',
      });
    });

    it.each(['COMPLETED', 'FAILED', 'CANCELLED'] as const)('refuses a %s order', async (status) => {
      const id = await order(status);

      await expect(administration.resume(id, 'operator-7')).rejects.toBeInstanceOf(OrderAlreadyFinishedError);
      expect(engine.resume).not.toHaveBeenCalled();
      expect(await statusOf(spec.dataSource, id)).toBe(status);
    });
  });
});
