import { randomUUID } from 'node:crypto';
import { InvalidCursorError, MIGRATIONS } from '@app/database';
import { DataSource } from 'typeorm';
import { createTestDatabase, type TestDatabase } from '../../../tooling/database';
import { waitFor } from '../../../tooling/wait-for';
import type { OrderStatus } from './order-status';
import { IllegalOrderTransitionError, OrderNotFoundError } from './orders.errors';
import { OrdersRepository, type NewOrder } from './orders.repository';
import { ORDERS_SQL } from './orders.sql';

const SKU = 'ORD-SPEC-1';
const address = {
  name: 'Ada Lovelace',
  line1: '12 St James Square',
  city: 'London',
  postalCode: 'SW1Y 4JH',
  country: 'GB',
};

/** The orders tables as the saga and the API use them, against a real PostgreSQL. */
describe('OrdersRepository (real PostgreSQL)', () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  let orders: OrdersRepository;

  const newOrder = (patch: Partial<NewOrder> = {}): NewOrder => ({
    id: randomUUID(),
    customerId: 'customer-1',
    idempotencyKey: null,
    requestFingerprint: 'a'.repeat(64),
    currency: 'EUR',
    total: 2500,
    shippingAddress: address,
    lines: [
      { lineNo: 1, sku: SKU, productName: 'Spec product', quantity: 2, unitPrice: 1250, lineTotal: 2500 },
    ],
    traceId: null,
    ...patch,
  });
  /** Stores an order as acceptance does, then puts it in `status` (set directly, as a fixture). */
  const stored = async (patch: Partial<NewOrder> = {}, status: OrderStatus = 'PENDING'): Promise<string> => {
    const order = newOrder(patch);
    await dataSource.transaction((manager) => orders.insert(manager, order));
    if (status !== 'PENDING')
      await dataSource.query('UPDATE orders SET status = $2 WHERE id = $1', [order.id, status]);
    return order.id;
  };
  const move = (orderId: string, to: OrderStatus, reason?: string) =>
    dataSource.transaction((manager) => orders.transition(manager, orderId, to, reason));
  const row = async (orderId: string) => {
    const [order] = await dataSource.query<
      Array<{ status: string; failure_reason: string | null; cancel_requested_at: Date | null }>
    >('SELECT status, failure_reason, cancel_requested_at FROM orders WHERE id = $1', [orderId]);
    return order;
  };
  const history = (orderId: string) =>
    dataSource.query<Array<{ from_status: string | null; to_status: string; reason: string | null }>>(
      'SELECT from_status, to_status, reason FROM order_status_history WHERE order_id = $1 ORDER BY id',
      [orderId],
    );

  beforeAll(async () => {
    db = await createTestDatabase('orders_repository_spec');
    dataSource = new DataSource({ type: 'postgres', url: db.url, migrations: MIGRATIONS, poolSize: 4 });
    await dataSource.initialize();
    await dataSource.runMigrations();
    await dataSource.query(
      `INSERT INTO products (sku, name, unit_price, currency, stock) VALUES ($1, 'Spec product', 1250, 'EUR', 100)`,
      [SKU],
    );
    orders = new OrdersRepository(dataSource);
  });
  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });

  describe('insert', () => {
    it('stores the order as PENDING with its lines and the first history row', async () => {
      const orderId = await stored();

      const view = await orders.view(orderId);
      expect(view).toMatchObject({
        id: orderId,
        customerId: 'customer-1',
        status: 'PENDING',
        total: 2500,
        lines: [{ sku: SKU, name: 'Spec product', quantity: 2, unitPrice: 1250, lineTotal: 2500 }],
        shippingAddress: address,
        cancellationRequested: false,
      });
      expect(await history(orderId)).toEqual([{ from_status: null, to_status: 'PENDING', reason: null }]);
    });

    it("refuses a second order with a customer's idempotency key, and finds the first by it", async () => {
      const customerId = `customer-${randomUUID()}`;
      const first = newOrder({ customerId, idempotencyKey: 'key-1' });
      const second = newOrder({ customerId, idempotencyKey: 'key-1' });

      await expect(dataSource.transaction((m) => orders.insert(m, first))).resolves.toBe(true);
      await expect(dataSource.transaction((m) => orders.insert(m, second))).resolves.toBe(false);

      await expect(orders.byIdempotencyKey(customerId, 'key-1')).resolves.toEqual({
        id: first.id,
        customerId,
        requestFingerprint: first.requestFingerprint,
        status: 'PENDING',
      });
      await expect(orders.view(second.id)).rejects.toBeInstanceOf(OrderNotFoundError);
      // The same key is another customer's own.
      await expect(orders.byIdempotencyKey('someone-else', 'key-1')).resolves.toBeNull();
    });

    it("shows an order only to its customer when asked for that customer's view", async () => {
      const orderId = await stored();

      await expect(orders.view(orderId, 'customer-1')).resolves.toMatchObject({ id: orderId });
      await expect(orders.view(orderId, 'customer-2')).rejects.toBeInstanceOf(OrderNotFoundError);
    });
  });

  describe('transition', () => {
    it('moves forward, records each move in the history with its reason, and sets the failure reason', async () => {
      const orderId = await stored();

      await expect(move(orderId, 'INVENTORY_RESERVED')).resolves.toEqual({
        moved: true,
        createdAt: expect.any(Date),
      });
      await expect(move(orderId, 'FAILED', 'PAYMENT_DECLINED')).resolves.toMatchObject({ moved: true });

      expect(await history(orderId)).toEqual([
        { from_status: null, to_status: 'PENDING', reason: null },
        { from_status: 'PENDING', to_status: 'INVENTORY_RESERVED', reason: null },
        { from_status: 'INVENTORY_RESERVED', to_status: 'FAILED', reason: 'PAYMENT_DECLINED' },
      ]);
      expect(await row(orderId)).toMatchObject({ status: 'FAILED', failure_reason: 'PAYMENT_DECLINED' });
    });

    it('is idempotent: a repeated move changes nothing and records nothing', async () => {
      const orderId = await stored();
      const first = await move(orderId, 'INVENTORY_RESERVED');

      const repeated = await move(orderId, 'INVENTORY_RESERVED');

      expect(repeated).toEqual({ moved: false, createdAt: first.createdAt });
      expect((await history(orderId)).map((h) => h.to_status)).toEqual(['PENDING', 'INVENTORY_RESERVED']);
    });

    it.each([
      ['PAID', 'INVENTORY_RESERVED'],
      ['SHIPPED', 'PAID'],
      ['SHIPPED', 'CANCELLED'],
      ['COMPLETED', 'FAILED'],
      ['FAILED', 'CANCELLED'],
      ['CANCELLED', 'PENDING'],
      ['PENDING', 'SHIPPED'],
    ] as Array<[OrderStatus, OrderStatus]>)(
      'refuses the move %s → %s with IllegalOrderTransitionError and leaves the order as it was',
      async (from, to) => {
        const orderId = await stored({}, from);

        const error = await move(orderId, to).catch((e: unknown) => e);

        expect(error).toBeInstanceOf(IllegalOrderTransitionError);
        expect(error).toMatchObject({ orderId, from, to });
        expect((await row(orderId)).status).toBe(from);
        expect(await history(orderId)).toHaveLength(1);
      },
    );

    it('refuses to move an order that does not exist', async () => {
      await expect(move(randomUUID(), 'FAILED', 'X')).rejects.toBeInstanceOf(OrderNotFoundError);
    });

    it('rolls the move and its history row back with the transaction around them', async () => {
      const orderId = await stored();

      await expect(
        dataSource.transaction(async (manager) => {
          await orders.transition(manager, orderId, 'INVENTORY_RESERVED');
          throw new Error('the step failed after the move');
        }),
      ).rejects.toThrow('the step failed after the move');

      expect((await row(orderId)).status).toBe('PENDING');
      expect(await history(orderId)).toHaveLength(1);
    });
  });

  describe('page', () => {
    /**
     * Seven orders of one customer: three share one creation instant (so only the id orders them), the
     * others are a microsecond or more apart; another customer's order is interleaved.
     */
    const seed = async () => {
      const customerId = `customer-${randomUUID()}`;
      const instants = [
        '2030-01-01T10:00:00.000001Z',
        '2030-01-01T10:00:00.000002Z',
        '2030-01-01T10:00:01Z',
        '2030-01-01T10:00:01Z',
        '2030-01-01T10:00:01Z',
        '2030-01-01T10:00:02.5Z',
        '2030-01-02T00:00:00Z',
      ];
      const statuses: OrderStatus[] = [
        'PENDING',
        'FAILED',
        'PENDING',
        'FAILED',
        'COMPLETED',
        'FAILED',
        'PAID',
      ];
      const ids: string[] = [];
      for (const [i, instant] of instants.entries()) {
        const id = await stored({ customerId }, statuses[i]);
        await dataSource.query('UPDATE orders SET created_at = $2 WHERE id = $1', [id, instant]);
        ids.push(id);
      }
      const other = await stored({ customerId: `other-${randomUUID()}` });
      await dataSource.query(`UPDATE orders SET created_at = '2030-01-01T10:00:01Z' WHERE id = $1`, [other]);
      // Newest first; equal instants by id, descending.
      // The instants ascend: the first index of an instant ranks it.
      const expected = ids
        .map((id, i) => ({ id, rank: instants.indexOf(instants[i]), status: statuses[i] }))
        .sort((a, b) => b.rank - a.rank || (a.id < b.id ? 1 : -1));
      return { customerId, expected };
    };
    const everyPage = async (query: { customerId: string; status?: string; limit: number }) => {
      const pages: string[][] = [];
      let cursor: string | undefined;
      do {
        const page = await orders.page({ ...query, cursor });
        pages.push(page.items.map((item) => item.id));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      return pages;
    };

    it('walks all of a customer’s orders newest first, each once, over pages of the limit', async () => {
      const { customerId, expected } = await seed();

      const pages = await everyPage({ customerId, limit: 3 });

      expect(pages.map((page) => page.length)).toEqual([3, 3, 1]);
      expect(pages.flat()).toEqual(expected.map((order) => order.id));
    });

    it('ends without a cursor when the last page is exactly full', async () => {
      const { customerId, expected } = await seed();

      const pages = await everyPage({ customerId, limit: 7 });

      expect(pages).toEqual([expected.map((order) => order.id)]);
    });

    it('keeps the next page stable when a newer order arrives between pages', async () => {
      const { customerId, expected } = await seed();
      const first = await orders.page({ customerId, limit: 3 });

      await stored({ customerId }); // created now, newer than all of them
      const second = await orders.page({ customerId, limit: 3, cursor: first.nextCursor! });

      expect(second.items.map((item) => item.id)).toEqual(expected.slice(3, 6).map((order) => order.id));
    });

    it('pages through one status only when filtered', async () => {
      const { customerId, expected } = await seed();

      const pages = await everyPage({ customerId, status: 'FAILED', limit: 2 });

      expect(pages.map((page) => page.length)).toEqual([2, 1]);
      expect(pages.flat()).toEqual(
        expected.filter((order) => order.status === 'FAILED').map((order) => order.id),
      );
    });

    it("finds a page of an unfinished status among the customer's orders in flight only, however many it has", async () => {
      const customerId = `customer-${randomUUID()}`;
      await dataSource.query(
        `INSERT INTO orders (id, customer_id, request_fingerprint, status, currency, total_amount, shipping_address, created_at)
         SELECT gen_random_uuid(), $1, repeat('a', 64), 'COMPLETED', 'EUR', 100, '{}', now() - i * interval '1 minute'
           FROM generate_series(1, 20000) i`,
        [customerId],
      );
      // Other customers' orders in flight, as a shop has at any moment.
      await dataSource.query(
        `INSERT INTO orders (id, customer_id, request_fingerprint, status, currency, total_amount, shipping_address)
         SELECT gen_random_uuid(), 'other-' || i, repeat('a', 64), 'SHIPPED', 'EUR', 100, '{}'
           FROM generate_series(1, 1000) i`,
      );
      const shipped = [await stored({ customerId }, 'SHIPPED'), await stored({ customerId }, 'SHIPPED')];
      await dataSource.query('ANALYZE orders');

      const [
        {
          'QUERY PLAN': [explained],
        },
      ] = await dataSource.query<
        Array<{
          'QUERY PLAN': Array<{ Plan: { 'Shared Hit Blocks': number; 'Shared Read Blocks': number } }>;
        }>
      >(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${ORDERS_SQL.page}`, [
        customerId,
        'SHIPPED',
        null,
        null,
        21,
      ]);
      // A walk of the customer's 20,002 orders, or of the 1,002 shipped ones, reads hundreds of pages; the
      // customer's orders in flight, a few.
      expect(explained.Plan['Shared Hit Blocks'] + explained.Plan['Shared Read Blocks']).toBeLessThan(30);
      expect(JSON.stringify(explained)).toContain('orders_customer_unfinished');

      const page = await orders.page({ customerId, status: 'SHIPPED', limit: 20 });
      expect(page.items.map((item) => item.id)).toEqual([...shipped].reverse());
    });

    it('answers summaries of the orders', async () => {
      const { customerId, expected } = await seed();

      const { items } = await orders.page({ customerId, limit: 1 });

      expect(items).toEqual([
        {
          id: expected[0].id,
          customerId,
          status: 'PAID',
          currency: 'EUR',
          total: 2500,
          failureReason: null,
          createdAt: '2030-01-02T00:00:00.000Z',
          updatedAt: expect.any(String),
        },
      ]);
    });

    it('refuses a cursor it did not issue', async () => {
      await expect(
        orders.page({ customerId: 'customer-1', limit: 3, cursor: 'bm90LWEtY3Vyc29y' }),
      ).rejects.toThrow(InvalidCursorError);
    });
  });

  describe('requestCancellation', () => {
    it.each(['PENDING', 'INVENTORY_RESERVED', 'PAID'] as const)(
      'records the request of a %s order, and repeating it keeps the first instant',
      async (status) => {
        const orderId = await stored({}, status);

        await expect(orders.requestCancellation(orderId, 'customer-1')).resolves.toBe(true);
        const requestedAt = (await row(orderId)).cancel_requested_at;
        await expect(orders.requestCancellation(orderId, 'customer-1')).resolves.toBe(true);

        expect(requestedAt).toBeInstanceOf(Date);
        expect((await row(orderId)).cancel_requested_at).toEqual(requestedAt);
      },
    );

    it.each(['SHIPPED', 'COMPLETED', 'FAILED', 'CANCELLED'] as const)(
      'refuses the request of a %s order',
      async (status) => {
        const orderId = await stored({}, status);

        await expect(orders.requestCancellation(orderId, 'customer-1')).resolves.toBe(false);
        expect((await row(orderId)).cancel_requested_at).toBeNull();
      },
    );

    it("refuses another customer's request", async () => {
      const orderId = await stored();

      await expect(orders.requestCancellation(orderId, 'customer-2')).resolves.toBe(false);
      expect((await row(orderId)).cancel_requested_at).toBeNull();
      await expect(orders.statusOf(orderId, 'customer-2')).resolves.toBeNull();
      await expect(orders.statusOf(orderId, 'customer-1')).resolves.toBe('PENDING');
    });

    it('refuses the request of a PAID order once shipping has claimed it', async () => {
      const orderId = await stored({}, 'PAID');

      await expect(orders.claimForShipping(orderId)).resolves.toMatchObject({ claimed: true });

      await expect(orders.requestCancellation(orderId, 'customer-1')).resolves.toBe(false);
      expect((await row(orderId)).cancel_requested_at).toBeNull();
    });

    it('refuses a request that waited for a concurrent shipping claim of the order', async () => {
      const orderId = await stored({}, 'PAID');
      const waitingForLock = () =>
        dataSource.query<Array<{ waiting: number }>>(
          `SELECT count(*)::int AS waiting FROM pg_stat_activity
            WHERE datname = current_database() AND wait_event_type = 'Lock'`,
        );

      // The claim holds the order row (its transaction is still open) while the request waits for it.
      let requested: Promise<boolean> | undefined;
      await dataSource.transaction(async (manager) => {
        await manager.query(ORDERS_SQL.claimForShipping, [orderId]);
        requested = orders.requestCancellation(orderId, 'customer-1');
        await waitFor(waitingForLock, ([lock]) => lock.waiting === 1);
      });

      await expect(requested).resolves.toBe(false);
      expect((await row(orderId)).cancel_requested_at).toBeNull();
    });

    it('keeps shipping from claiming an order whose cancellation was requested first', async () => {
      const orderId = await stored({}, 'PAID');
      await orders.requestCancellation(orderId, 'customer-1');

      const claim = await orders.claimForShipping(orderId);

      expect(claim.claimed).toBe(false);
      expect(claim.order.cancelRequestedAt).toBeInstanceOf(Date);
    });
  });

  describe('claimForShipping', () => {
    it('claims a PAID order once and reads its parcels and address', async () => {
      const orderId = await stored({}, 'PAID');

      const claim = await orders.claimForShipping(orderId);

      expect(claim).toEqual({
        order: {
          id: orderId,
          status: 'PAID',
          currency: 'EUR',
          totalAmount: 2500,
          shippingAddress: address,
          cancelRequestedAt: null,
        },
        claimed: true,
        parcels: [{ sku: SKU, quantity: 2 }],
      });
      // A repeated claim (a retried step) still holds.
      await expect(orders.claimForShipping(orderId)).resolves.toMatchObject({ claimed: true });
    });

    it.each(['PENDING', 'INVENTORY_RESERVED', 'SHIPPED', 'CANCELLED'] as const)(
      'does not claim a %s order',
      async (status) => {
        await expect(orders.claimForShipping(await stored({}, status))).resolves.toMatchObject({
          claimed: false,
          order: { status },
        });
      },
    );

    it('throws OrderNotFoundError for an order that does not exist', async () => {
      await expect(orders.claimForShipping(randomUUID())).rejects.toBeInstanceOf(OrderNotFoundError);
    });
  });

  describe('unfinished', () => {
    it('answers the orders that have not reached a final state, least recently changed first', async () => {
      const ids: Record<string, string> = {};
      for (const [i, status] of (
        ['SHIPPED', 'COMPLETED', 'PENDING', 'FAILED', 'PAID', 'CANCELLED', 'INVENTORY_RESERVED'] as const
      ).entries()) {
        ids[status] = await stored({}, status);
        await dataSource.query(
          `UPDATE orders SET updated_at = now() - make_interval(mins => $2) WHERE id = $1`,
          [ids[status], 100 - i],
        );
      }
      const idsOf = (rows: Array<{ id: string }>) => rows.map((row) => row.id);

      expect(idsOf(await orders.unfinished({ ids: Object.values(ids) }))).toEqual([
        ids.SHIPPED,
        ids.PENDING,
        ids.PAID,
        ids.INVENTORY_RESERVED,
      ]);
      expect(idsOf(await orders.unfinished({ ids: Object.values(ids), limit: 2 }))).toEqual([
        ids.SHIPPED,
        ids.PENDING,
      ]);
      const [shipped] = await orders.unfinished({ ids: [ids.SHIPPED] });
      expect(shipped).toEqual({
        id: ids.SHIPPED,
        customerId: 'customer-1',
        status: 'SHIPPED',
        currency: 'EUR',
        total: 2500,
        failureReason: null,
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
        cancellationRequested: false,
      });
      expect(Date.now() - Date.parse(shipped.updatedAt)).toBeGreaterThan(99 * 60_000);
    });

    it('answers only the orders unchanged since the given instant', async () => {
      const stale = await stored();
      const fresh = await stored();
      await dataSource.query(`UPDATE orders SET updated_at = now() - interval '1 hour' WHERE id = $1`, [
        stale,
      ]);

      const unchanged = await orders.unfinished({
        ids: [stale, fresh],
        unchangedSince: new Date(Date.now() - 60_000),
      });
      expect(unchanged.map((order) => order.id)).toEqual([stale]);
    });

    it('answers every unfinished order without a filter', async () => {
      const orderId = await stored();
      const finished = await stored({}, 'COMPLETED');

      const all = (await orders.unfinished()).map((order) => order.id);

      expect(all).toContain(orderId);
      expect(all).not.toContain(finished);
    });
  });
});
