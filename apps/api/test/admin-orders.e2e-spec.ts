import { AuditLog } from '@app/observability';
import { SimulatedPaymentProvider } from '@app/payments';
import { startApiProcess, type ApiProcess } from '../../../tooling/app-processes';
import { createTestDatabase, type TestDatabase } from '../../../tooling/database';
import { requestJson } from '../../../tooling/json-request';
import { waitFor } from '../../../tooling/wait-for';
import {
  DECLINED_CARD,
  isTerminalStatus,
  OPERATOR,
  orderBody,
  startApi,
  type Caller,
  type HttpResult,
  type RunningApi,
} from './support/api-harness';

const OPERATOR_SUBJECT = typeof OPERATOR === 'string' ? OPERATOR : OPERATOR.subject;
const FORWARD_STEPS = ['reserveInventory', 'chargePayment', 'arrangeShipping', 'completeOrder'];
const SUMMARY_FIELDS = [
  'id',
  'customerId',
  'status',
  'currency',
  'total',
  'failureReason',
  'createdAt',
  'updatedAt',
].sort();
const UNKNOWN_ORDER = '00000000-0000-4000-8000-000000000000';

type AuditFields = Record<string, unknown>;

/** Rows of the simulated provider's ledger that captured a charge for the order. */
async function capturesOf(db: TestDatabase, orderId: string): Promise<number> {
  const [{ n }] = await db.query<{ n: string }>(
    `SELECT count(*) AS n FROM simulated_provider_ledger
      WHERE order_id = $1 AND kind = 'charge' AND outcome = 'captured'`,
    [orderId],
  );
  return Number(n);
}

async function stepsOf(db: TestDatabase, orderId: string): Promise<Record<string, number>> {
  const rows = await db.query<{ step: string; attempts: number }>(
    'SELECT step, attempts FROM order_saga_steps WHERE order_id = $1',
    [orderId],
  );
  return Object.fromEntries(rows.map((row) => [row.step, row.attempts]));
}

const ids = (response: HttpResult) => (response.body.items as Array<{ id: string }>).map((item) => item.id);

/** The operators' order routes on the real application: inline engine, PostgreSQL, bearer tokens. */
describe('operator order routes (/admin/orders, inline engine, real PostgreSQL)', () => {
  let api: RunningApi;
  let audit: jest.SpiedFunction<AuditLog['record']>;

  const admin = (method: string, path: string, body?: unknown) =>
    api.request(method, `/admin/orders${path}`, { as: OPERATOR, body });
  const place = async (customer: string, overrides: Record<string, unknown> = {}): Promise<string> => {
    const placed = await api.request('POST', '/orders', { body: orderBody(overrides), as: customer });
    expect(placed.status).toBe(202);
    return placed.body.id as string;
  };
  const finished = (id: string, customer: string) =>
    api.waitForOrder(id, isTerminalStatus, 20_000, customer) as Promise<Record<string, any>>;
  /** The audit events recorded for an order so far (the AuditLog the application writes them with). */
  const auditEvents = (action: string, orderId: string): AuditFields[] =>
    audit.mock.calls
      .filter(([recorded, fields]) => recorded === action && fields['order.id'] === orderId)
      .map(([, fields]) => fields);
  /** The audit events naming an operator (`user.id`) recorded for an order so far. */
  const operatorEvents = (orderId: string): AuditFields[] =>
    audit.mock.calls
      .filter(([, fields]) => fields['order.id'] === orderId && 'user.id' in fields)
      .map(([, fields]) => fields);

  beforeAll(async () => {
    api = await startApi();
    audit = jest.spyOn(api.app.get(AuditLog), 'record');
  });
  afterEach(() => {
    api.app.get(SimulatedPaymentProvider).configure({ latencyMs: 5, outage: false, declineRate: 0 });
  });
  afterAll(async () => {
    audit?.mockRestore();
    await api?.close();
  });

  describe('search', () => {
    const CUSTOMER_A = 'c-admin-search-a';
    const CUSTOMER_B = 'c-admin-search-b';
    /** Created on these days (set in SQL), oldest first: a1, a2, a3 of customer A, b1 of customer B. */
    const CREATED = [
      '2020-03-01T10:00:00.000Z',
      '2020-03-02T10:00:00.000Z',
      '2020-03-03T10:00:00.000Z',
      '2020-03-04T10:00:00.000Z',
    ];
    const MARCH = 'createdFrom=2020-03-01T00:00:00Z&createdTo=2020-03-31T23:59:59Z';
    let a1: string, a2: string, a3: string, b1: string;

    beforeAll(async () => {
      a1 = await place(CUSTOMER_A, { items: [{ sku: 'SKU-002', quantity: 1 }] });
      a2 = await place(CUSTOMER_A, { items: [{ sku: 'SKU-003', quantity: 1 }] });
      a3 = await place(CUSTOMER_A, {
        items: [
          { sku: 'SKU-002', quantity: 1 },
          { sku: 'SKU-004', quantity: 1 },
        ],
      });
      b1 = await place(CUSTOMER_B, {
        items: [{ sku: 'SKU-003', quantity: 1 }],
        payment: { ...orderBody().payment, cardNumber: DECLINED_CARD },
      });
      expect((await finished(a1, CUSTOMER_A)).status).toBe('COMPLETED');
      expect((await finished(a2, CUSTOMER_A)).status).toBe('COMPLETED');
      expect((await finished(a3, CUSTOMER_A)).status).toBe('COMPLETED');
      expect(await finished(b1, CUSTOMER_B)).toMatchObject({
        status: 'FAILED',
        failureReason: 'PAYMENT_DECLINED',
      });
      for (const [i, id] of [a1, a2, a3, b1].entries())
        await api.db.query('UPDATE orders SET created_at = $2 WHERE id = $1', [id, CREATED[i]]);
    });

    it('filters by any of several statuses, newest first', async () => {
      const both = await admin('GET', `?status=COMPLETED&status=FAILED&${MARCH}`);
      expect(both.status).toBe(200);
      expect(ids(both)).toEqual([b1, a3, a2, a1]);
      expect(both.body.nextCursor).toBeNull();
      expect(ids(await admin('GET', `?status=FAILED&${MARCH}`))).toEqual([b1]);
      expect(ids(await admin('GET', `?status=COMPLETED&${MARCH}`))).toEqual([a3, a2, a1]);
      expect(ids(await admin('GET', `?status=PENDING&status=CANCELLED&${MARCH}`))).toEqual([]);

      const anyTime = await admin('GET', '?status=FAILED&status=CANCELLED&limit=100');
      expect(ids(anyTime)).toContain(b1);
      for (const item of anyTime.body.items) expect(['FAILED', 'CANCELLED']).toContain(item.status);
    });

    it("filters by customer: one customer's orders only", async () => {
      const page = await admin('GET', `?customerId=${CUSTOMER_A}`);
      expect(ids(page)).toEqual([a3, a2, a1]);
      expect(page.body.items.map((item: any) => item.customerId)).toEqual([
        CUSTOMER_A,
        CUSTOMER_A,
        CUSTOMER_A,
      ]);
      expect(ids(await admin('GET', `?customerId=${CUSTOMER_B}`))).toEqual([b1]);
      expect(ids(await admin('GET', '?customerId=c-admin-nobody'))).toEqual([]);
    });

    it('filters by creation time, both bounds inclusive, in any offset', async () => {
      expect(
        ids(await admin('GET', '?createdFrom=2020-03-02T10:00:00Z&createdTo=2020-03-03T10:00:00Z')),
      ).toEqual([a3, a2]);
      // 11:00 at +01:00 is 10:00 UTC ('+' sent as %2B, as in any URL).
      expect(
        ids(
          await admin('GET', '?createdFrom=2020-03-02T11:00:00%2B01:00&createdTo=2020-03-02T10:00:00.000Z'),
        ),
      ).toEqual([a2]);
      expect(ids(await admin('GET', `?customerId=${CUSTOMER_A}&createdTo=2020-03-02T09:59:59Z`))).toEqual([
        a1,
      ]);
      expect(
        ids(await admin('GET', '?createdFrom=2020-03-03T10:00:00.001Z&createdTo=2020-03-31T00:00:00Z')),
      ).toEqual([b1]);
      const recent = await admin('GET', '?createdFrom=2020-03-04T10:00:00Z&limit=100');
      expect(ids(recent)).toContain(b1);
      expect(ids(recent)).not.toContain(a3);
    });

    it('filters by failure reason', async () => {
      const declined = await admin('GET', '?failureReason=PAYMENT_DECLINED&limit=100');
      expect(ids(declined)).toContain(b1);
      for (const item of declined.body.items) expect(item.failureReason).toBe('PAYMENT_DECLINED');
      expect(ids(await admin('GET', `?failureReason=PAYMENT_DECLINED&${MARCH}`))).toEqual([b1]);
      expect(ids(await admin('GET', `?failureReason=OUT_OF_STOCK&${MARCH}`))).toEqual([]);
    });

    it('filters by a SKU among the lines, combined with the other filters', async () => {
      expect(ids(await admin('GET', `?sku=SKU-002&${MARCH}`))).toEqual([a3, a1]);
      expect(ids(await admin('GET', `?sku=SKU-004&${MARCH}`))).toEqual([a3]);
      expect(ids(await admin('GET', `?sku=SKU-003&status=COMPLETED&${MARCH}`))).toEqual([a2]);
      expect(ids(await admin('GET', `?sku=SKU-003&customerId=${CUSTOMER_B}`))).toEqual([b1]);
    });

    it('answers summaries without shipping addresses', async () => {
      const page = await admin('GET', `?${MARCH}`);
      expect(page.body.items).toHaveLength(4);
      for (const item of page.body.items) expect(Object.keys(item).sort()).toEqual(SUMMARY_FIELDS);
      expect(page.text).not.toContain('shippingAddress');
      expect(page.text).not.toContain(orderBody().shippingAddress.line1);
      expect(page.body.items[0]).toMatchObject({
        id: b1,
        customerId: CUSTOMER_B,
        status: 'FAILED',
        currency: 'EUR',
        failureReason: 'PAYMENT_DECLINED',
        createdAt: CREATED[3],
      });
    });

    it('pages with limit and nextCursor: every order once, newest first, ties broken by id', async () => {
      const customer = 'c-admin-pages';
      const placed = [];
      for (let i = 0; i < 5; i++)
        placed.push(await place(customer, { items: [{ sku: 'SKU-005', quantity: 1 }] }));
      for (const id of placed) await finished(id, customer);
      // Two orders created at the same instant: the keyset's id decides between them.
      const times = [
        '2019-06-01T00:00:00Z',
        '2019-06-02T00:00:00Z',
        '2019-06-02T00:00:00Z',
        '2019-06-03T00:00:00Z',
      ];
      for (const [i, at] of times.entries())
        await api.db.query('UPDATE orders SET created_at = $2 WHERE id = $1', [placed[i], at]);
      const expected = (
        await api.db.query<{ id: string }>(
          'SELECT id FROM orders WHERE customer_id = $1 ORDER BY created_at DESC, id DESC',
          [customer],
        )
      ).map((row) => row.id);
      expect([...expected].sort()).toEqual([...placed].sort());

      const seen: string[] = [];
      const sizes: number[] = [];
      let cursor: string | null = null;
      do {
        const page: HttpResult = await admin(
          'GET',
          `?customerId=${customer}&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        );
        expect(page.status).toBe(200);
        seen.push(...ids(page));
        sizes.push(page.body.items.length);
        cursor = page.body.nextCursor;
      } while (cursor && sizes.length < 10);
      expect(sizes).toEqual([2, 2, 1]);
      expect(seen).toEqual(expected);
    });
  });

  describe('bad input: 400 naming the field, nothing done', () => {
    let orderId: string;
    const CUSTOMER = 'c-admin-bad-input';

    beforeAll(async () => {
      orderId = await place(CUSTOMER);
      expect((await finished(orderId, CUSTOMER)).status).toBe('COMPLETED');
    });

    const QUERIES: Array<[name: string, path: string, field: string]> = [
      ['an unknown status', '?status=LOST', 'status'],
      ['an unknown status among known ones', '?status=PAID&status=LOST', 'status'],
      ['an empty status', '?status=', 'status'],
      ['a malformed createdFrom', '?createdFrom=yesterday', 'createdFrom'],
      ['a createdFrom without an offset', '?createdFrom=2024-05-01T00:00:00', 'createdFrom'],
      ['a createdTo that does not exist', '?createdTo=2024-02-30T00:00:00Z', 'createdTo'],
      [
        'createdFrom after createdTo',
        '?createdFrom=2024-05-02T00:00:00Z&createdTo=2024-05-01T00:00:00Z',
        'createdFrom',
      ],
      ['limit 0', '?limit=0', 'limit'],
      ['limit 101', '?limit=101', 'limit'],
      ['a customerId of 65 characters', `?customerId=${'c'.repeat(65)}`, 'customerId'],
      ['a malformed failureReason', '?failureReason=declined%20card', 'failureReason'],
      ['a malformed sku', '?sku=%00', 'sku'],
      ['an unknown parameter', '?sort=asc', 'sort'],
      ['a forged cursor', '?cursor=bm90LWEtY3Vyc29y', 'cursor'],
      ['a malformed olderThan', '/stuck?olderThan=15m', 'olderThan'],
      ['an olderThan in months', '/stuck?olderThan=P1M', 'olderThan'],
      ['a zero olderThan', '/stuck?olderThan=PT0S', 'olderThan'],
      ['a negative olderThan', '/stuck?olderThan=-PT5M', 'olderThan'],
      ['a stuck limit of 1001', '/stuck?limit=1001', 'limit'],
      ['a stuck limit of 0', '/stuck?limit=0', 'limit'],
      ['a filter the stuck list does not take', '/stuck?status=PAID', 'status'],
      ['an order id that is not a uuid', '/not-a-uuid', 'id'],
    ];

    it.each(QUERIES)('GET with %s', async (_name, path, field) => {
      const response = await admin('GET', path);
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({
        status: 400,
        code: field === 'cursor' ? 'INVALID_CURSOR' : 'VALIDATION_FAILED',
      });
      expect(response.body.errors.map((d: { field: string }) => d.field)).toContain(field);
    });

    it.each([
      ['no body', undefined, 'reason'],
      ['no reason', {}, 'reason'],
      ['an empty reason', { reason: '' }, 'reason'],
      ['a blank reason', { reason: '   ' }, 'reason'],
      ['a reason of 501 characters', { reason: 'r'.repeat(501) }, 'reason'],
      ['a reason that is not a string', { reason: 42 }, 'reason'],
      ['another field', { reason: 'duplicate', refund: false }, 'refund'],
    ])('POST cancel with %s', async (_name, body, field) => {
      const response = await admin('POST', `/${orderId}/cancel`, body);
      expect(response.status).toBe(400);
      expect(response.body.code).toBe('VALIDATION_FAILED');
      expect(response.body.errors.map((d: { field: string }) => d.field)).toContain(field);
    });

    it.each(['/not-a-uuid/cancel', '/not-a-uuid/resume'])('POST %s', async (path) => {
      const response = await admin('POST', path, path.endsWith('cancel') ? { reason: 'x' } : undefined);
      expect(response.status).toBe(400);
      expect(response.body.errors).toEqual([{ field: 'id', message: 'must be a UUID' }]);
    });

    it('refused nothing it should have done: the order was not cancelled and no action was audited', async () => {
      const [row] = await api.db.query<{ cancel_requested_at: Date | null }>(
        'SELECT cancel_requested_at FROM orders WHERE id = $1',
        [orderId],
      );
      expect(row.cancel_requested_at).toBeNull();
      expect(auditEvents('order-cancellation-requested', orderId)).toEqual([]);
    });

    it('answers 404 for an order that does not exist', async () => {
      for (const [method, path, body] of [
        ['GET', `/${UNKNOWN_ORDER}`, undefined],
        ['POST', `/${UNKNOWN_ORDER}/cancel`, { reason: 'no such order' }],
        ['POST', `/${UNKNOWN_ORDER}/resume`, undefined],
      ] as const) {
        const response = await admin(method, path, body);
        expect({ path, status: response.status, code: response.body.code }).toEqual({
          path,
          status: 404,
          code: 'ORDER_NOT_FOUND',
        });
      }
      expect(operatorEvents(UNKNOWN_ORDER)).toEqual([]);
    });
  });

  describe('authorization', () => {
    const CUSTOMER = 'c-admin-own';
    let orderId: string;

    beforeAll(async () => {
      orderId = await place(CUSTOMER);
      await finished(orderId, CUSTOMER);
    });

    const routes = (): Array<[string, string, unknown]> => [
      ['GET', '/admin/orders', undefined],
      ['GET', '/admin/orders/stuck', undefined],
      ['GET', `/admin/orders/${orderId}`, undefined],
      ['POST', `/admin/orders/${orderId}/cancel`, { reason: 'customer asked' }],
      ['POST', `/admin/orders/${orderId}/resume`, undefined],
    ];

    it('refuses every route without a token (401) and with a customer’s, even for their own order (403)', async () => {
      for (const [method, path, body] of routes()) {
        const anonymous = await api.request(method, path, { body, as: null });
        expect({ path, method, status: anonymous.status, code: anonymous.body.code }).toEqual({
          path,
          method,
          status: 401,
          code: 'AUTHENTICATION_REQUIRED',
        });
        expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer /);
        const customer = await api.request(method, path, { body, as: CUSTOMER });
        expect({ path, method, status: customer.status, code: customer.body.code }).toEqual({
          path,
          method,
          status: 403,
          code: 'INSUFFICIENT_SCOPE',
        });
      }
      expect(operatorEvents(orderId)).toEqual([]);
    });

    it("lets operators read any customer's order, which another customer cannot", async () => {
      const operator = await admin('GET', `/${orderId}`);
      expect(operator.status).toBe(200);
      expect(operator.body.customerId).toBe(CUSTOMER);
      const other = await api.request('GET', `/orders/${orderId}`, { as: 'c-admin-someone-else' });
      expect([other.status, other.body.code]).toEqual([404, 'ORDER_NOT_FOUND']);
    });
  });

  describe('details', () => {
    it("shows the customer's view with the step log, the trace and the engine, and audits the read", async () => {
      const customer = 'c-admin-details';
      const id = await place(customer);
      const view = await finished(id, customer);
      expect(view.status).toBe('COMPLETED');
      // Each attempt is logged once it has returned: the order can read COMPLETED just before.
      await waitFor(
        () => stepsOf(api.db, id),
        (steps) => steps.completeOrder === 1,
      );
      const before = auditEvents('order-viewed-by-operator', id).length;

      const details = await admin('GET', `/${id}`);
      expect(details.status).toBe(200);
      const { steps, traceId, workflow, ...rest } = details.body;
      expect(rest).toEqual(view);
      expect(steps.map((s: any) => s.step)).toEqual(FORWARD_STEPS);
      for (const step of steps) {
        expect(step).toMatchObject({ outcome: 'completed', lastError: null });
        expect(step.attempts).toBeGreaterThanOrEqual(1);
        for (const at of [step.firstStartedAt, step.lastStartedAt, step.lastFinishedAt])
          expect(new Date(at).toISOString()).toBe(at);
        expect(Date.parse(step.firstStartedAt)).toBeLessThanOrEqual(Date.parse(step.lastStartedAt));
        expect(Date.parse(step.lastStartedAt)).toBeLessThanOrEqual(Date.parse(step.lastFinishedAt));
        expect(Number.isInteger(step.lastDurationMs) && step.lastDurationMs >= 0).toBe(true);
      }
      expect(workflow).toEqual({ engine: 'inline', running: false });
      // This harness starts no tracer (instrumentation.ts is main.ts's), so no trace was sampled.
      const [row] = await api.db.query<{ trace_id: string | null }>(
        'SELECT trace_id FROM orders WHERE id = $1',
        [id],
      );
      expect(traceId).toBe(row.trace_id);
      expect(traceId === null || /^[0-9a-f]{32}$/.test(traceId)).toBe(true);

      const events = auditEvents('order-viewed-by-operator', id);
      expect(events).toHaveLength(before + 1);
      expect(events.at(-1)).toEqual({ 'order.id': id, 'customer.id': customer, 'user.id': OPERATOR_SUBJECT });
    });
  });

  describe('cancel', () => {
    it('cancels an order held before shipping for the customer, with the reason in the audit', async () => {
      api.app.get(SimulatedPaymentProvider).configure({ latencyMs: 1_000 });
      const customer = 'c-admin-cancel';
      const id = await place(customer);
      await api.waitForOrder(id, (o) => o.status === 'INVENTORY_RESERVED', 15_000, customer);

      const cancelled = await admin('POST', `/${id}/cancel`, {
        reason: '  customer called: wrong address  ',
      });
      expect(cancelled.status).toBe(202);
      expect(cancelled.body).toMatchObject({ id, customerId: customer, cancellationRequested: true });
      expect(cancelled.body.shippingAddress).toEqual(orderBody().shippingAddress);

      const order = await finished(id, customer);
      expect(order.status).toBe('CANCELLED');
      expect(order.shipment).toBeNull();
      expect(auditEvents('order-cancellation-requested', id)).toEqual([
        {
          'order.id': id,
          'customer.id': customer,
          'user.id': OPERATOR_SUBJECT,
          'event.reason': 'customer called: wrong address',
        },
      ]);

      const again = await admin('POST', `/${id}/cancel`, { reason: 'twice' });
      expect([again.status, again.body.status]).toEqual([202, 'CANCELLED']);
    });

    it('refuses to cancel a COMPLETED order with 409 and leaves it alone', async () => {
      const customer = 'c-admin-cancel-late';
      const id = await place(customer);
      expect((await finished(id, customer)).status).toBe('COMPLETED');
      const refused = await admin('POST', `/${id}/cancel`, { reason: 'too late' });
      expect(refused.status).toBe(409);
      expect(refused.body).toMatchObject({ status: 409, code: 'ORDER_NOT_CANCELLABLE' });
      expect(auditEvents('order-cancellation-requested', id)).toEqual([]);
      const after = await api.request('GET', `/orders/${id}`, { as: customer });
      expect(after.body).toMatchObject({ status: 'COMPLETED', cancellationRequested: false });
    });
  });

  describe('stuck orders and resume (the saga still runs in this process)', () => {
    it('lists an order waiting for the payment provider, resumes it as already running, and it completes with one capture', async () => {
      const payments = api.app.get(SimulatedPaymentProvider);
      // Each charge attempt fails after 2 s: four attempts (about 10 s) before the order would fail.
      payments.configure({ outage: true, latencyMs: 2_000 });
      const customer = 'c-admin-stuck';
      const id = await place(customer);

      const listed = await waitFor(
        async () =>
          ((await admin('GET', '/stuck?olderThan=PT1S&limit=1000')).body.items as any[]).find(
            (item) => item.id === id,
          ),
        (item) => item?.lastAttempt != null,
        15_000,
      );
      expect(listed).toMatchObject({
        id,
        customerId: customer,
        status: 'INVENTORY_RESERVED',
        cancellationRequested: false,
        currentStep: 'chargePayment',
        waitingFor: expect.stringMatching(/payment provider/),
        lastAttempt: { step: 'chargePayment', outcome: 'PAYMENT_PROVIDER_UNAVAILABLE' },
      });
      expect(listed.lastAttempt.attempts).toBeGreaterThanOrEqual(1);
      expect(listed).not.toHaveProperty('shippingAddress');
      // It changed less than an hour ago: not stuck for that long.
      const hour = await admin('GET', '/stuck?olderThan=PT1H&limit=1000');
      expect(hour.status).toBe(200);
      expect(ids(hour)).not.toContain(id);

      expect((await admin('GET', `/${id}`)).body.workflow).toEqual({ engine: 'inline', running: true });
      const resumed = await admin('POST', `/${id}/resume`);
      expect(resumed.status).toBe(202);
      expect(resumed.body).toMatchObject({
        outcome: 'already-running',
        order: { id, status: 'INVENTORY_RESERVED' },
      });
      expect(auditEvents('order-resumed', id)).toEqual([
        {
          'order.id': id,
          'customer.id': customer,
          'user.id': OPERATOR_SUBJECT,
          'order.status': 'INVENTORY_RESERVED',
          'saga.resume_outcome': 'already-running',
        },
      ]);

      payments.configure({ outage: false, latencyMs: 5 });
      expect((await finished(id, customer)).status).toBe('COMPLETED');
      expect(await capturesOf(api.db, id)).toBe(1);
      const steps = (await admin('GET', `/${id}`)).body.steps as any[];
      expect(steps.find((s) => s.step === 'chargePayment')).toMatchObject({
        outcome: 'completed',
        lastError: expect.stringMatching(/outage/),
      });

      const finishedResume = await admin('POST', `/${id}/resume`);
      expect(finishedResume.status).toBe(409);
      expect(finishedResume.body).toMatchObject({ status: 409, code: 'ORDER_ALREADY_FINISHED' });
      expect(auditEvents('order-resumed', id)).toHaveLength(1);
    });
  });
});

/**
 * A saga that no process runs any more: the API that ran it was killed (SIGKILL) while the payment
 * provider was down. Another API on the same database, which does not resume orders on start, lists the
 * order as stuck and resumes it from its recorded state.
 */
describe('resume after the process running the saga died (API process killed, real PostgreSQL)', () => {
  const CUSTOMER: Caller = 'c-admin-restart';
  let db: TestDatabase;
  let dead: ApiProcess | undefined;
  let api: RunningApi | undefined;

  beforeAll(async () => {
    db = await createTestDatabase('admin_orders');
  });
  afterAll(async () => {
    await dead?.stop('SIGKILL');
    await api?.close();
    await db?.drop();
  });

  it('starts the saga again after the steps it completed: no second reservation, one capture', async () => {
    // Charge attempts fail after 1.5 s each: about 8 s before the order would fail.
    dead = await startApiProcess({
      DATABASE_URL: db.url,
      PAYMENT_SIM_OUTAGE: 'true',
      PAYMENT_SIM_LATENCY_MS: '1500',
    });
    const stock = async () =>
      Number(
        (await db.query<{ stock: number }>(`SELECT stock FROM products WHERE sku = 'SKU-001'`))[0].stock,
      );
    const before = await stock();
    const placed = await requestJson(dead.baseUrl, 'POST', '/orders', {
      body: orderBody(),
      headers: await dead.tokens.headers(CUSTOMER),
    });
    expect(placed.status).toBe(202);
    const id = placed.body.id as string;
    await waitFor(
      () => stepsOf(db, id),
      (steps) => (steps.chargePayment ?? 0) >= 1,
      15_000,
    );
    await dead.stop('SIGKILL');
    dead = undefined;

    const stepsAtDeath = await stepsOf(db, id);
    expect(stepsAtDeath.reserveInventory).toBe(1);
    const [{ status }] = await db.query<{ status: string }>('SELECT status FROM orders WHERE id = $1', [id]);
    expect(status).toBe('INVENTORY_RESERVED');
    expect(await stock()).toBe(before - 2);

    api = await startApi({ INLINE_RESUME_ON_START: 'false', INLINE_ENGINE_EXCLUSIVE: 'false' }, { db });
    const running = api;
    const admin = (method: string, path: string) =>
      running.request(method, `/admin/orders${path}`, { as: OPERATOR });

    const details = await admin('GET', `/${id}`);
    expect(details.body).toMatchObject({
      status: 'INVENTORY_RESERVED',
      workflow: { engine: 'inline', running: false },
    });
    const stuck = await waitFor(
      async () =>
        ((await admin('GET', '/stuck?olderThan=PT1S')).body.items as any[]).find((o) => o.id === id),
      Boolean,
      10_000,
    );
    expect(stuck).toMatchObject({
      currentStep: 'chargePayment',
      waitingFor: expect.stringMatching(/payment provider/),
      lastAttempt: { step: 'chargePayment', attempts: stepsAtDeath.chargePayment },
    });

    const resumed = await admin('POST', `/${id}/resume`);
    expect(resumed.status).toBe(202);
    expect(resumed.body).toMatchObject({ outcome: 'started', order: { id, status: 'INVENTORY_RESERVED' } });

    const order = await running.waitForOrder(id, isTerminalStatus, 20_000, CUSTOMER);
    expect(order.status).toBe('COMPLETED');
    expect(order.history.map((h: any) => h.status)).toEqual([
      'PENDING',
      'INVENTORY_RESERVED',
      'PAID',
      'SHIPPED',
      'COMPLETED',
    ]);
    const after = (await admin('GET', `/${id}`)).body;
    const step = (name: string) => after.steps.find((s: any) => s.step === name);
    expect(step('reserveInventory')).toMatchObject({ attempts: 1, outcome: 'completed' });
    expect(step('chargePayment')).toMatchObject({
      attempts: stepsAtDeath.chargePayment + 1,
      outcome: 'completed',
    });
    expect(after.workflow).toEqual({ engine: 'inline', running: false });
    expect(await capturesOf(db, id)).toBe(1);
    expect(await stock()).toBe(before - 2);
  }, 120_000);
});
