import type { CatalogProduct, InventoryService } from '@app/inventory';
import type { AuditLog } from '@app/observability';
import type { PaymentsService } from '@app/payments';
import type { WebhookOutbox } from '@app/webhooks';
import { Counter, Registry } from 'prom-client';
import type { DataSource, EntityManager } from 'typeorm';
import type { WorkflowEngine } from './engine/workflow-engine.port';
import type { OrderStatus } from './order-status';
import type { OrderView } from './order.view';
import {
  IdempotencyKeyReusedError,
  MixedCurrenciesError,
  OrderNotCancellableError,
  OrderNotFoundError,
} from './orders.errors';
import type { IdempotentOrder, NewOrder, OrdersRepository } from './orders.repository';
import { OrdersService } from './orders.service';
import type { PlaceOrderCommand } from './place-order.command';

/** The orders table in memory: one order per customer and idempotency key, as its unique index has it. */
class FakeOrders {
  readonly stored = new Map<string, NewOrder & { status: OrderStatus }>();
  /** Set to make the next insert lose to a concurrent request with the same body, stored under this id. */
  concurrentWinnerId: string | undefined;
  cancellable = true;

  async insert(_manager: EntityManager, order: NewOrder): Promise<boolean> {
    if (this.concurrentWinnerId) {
      this.stored.set(this.concurrentWinnerId, { ...order, id: this.concurrentWinnerId, status: 'PENDING' });
      this.concurrentWinnerId = undefined;
    }
    const taken = [...this.stored.values()].some(
      (o) =>
        o.idempotencyKey !== null &&
        o.customerId === order.customerId &&
        o.idempotencyKey === order.idempotencyKey,
    );
    if (taken) return false;
    this.stored.set(order.id, { ...order, status: 'PENDING' });
    return true;
  }

  async byIdempotencyKey(customerId: string, key: string): Promise<IdempotentOrder | null> {
    const order = [...this.stored.values()].find(
      (o) => o.customerId === customerId && o.idempotencyKey === key,
    );
    return order
      ? { id: order.id, customerId, requestFingerprint: order.requestFingerprint, status: order.status }
      : null;
  }

  async view(orderId: string, customerId?: string): Promise<OrderView> {
    const order = this.stored.get(orderId);
    if (!order || (customerId && order.customerId !== customerId)) throw new OrderNotFoundError(orderId);
    return {
      id: order.id,
      customerId: order.customerId,
      status: order.status,
      total: order.total,
    } as OrderView;
  }

  async requestCancellation(orderId: string, customerId: string): Promise<boolean> {
    const order = this.stored.get(orderId);
    return this.cancellable && order?.customerId === customerId;
  }

  async statusOf(orderId: string, customerId: string): Promise<OrderStatus | null> {
    const order = this.stored.get(orderId);
    return order?.customerId === customerId ? order.status : null;
  }
}

const CATALOG: Record<string, CatalogProduct> = {
  'SKU-A': { sku: 'SKU-A', name: 'Beans', unitPrice: 1000, currency: 'EUR', stock: 10 },
  'SKU-B': { sku: 'SKU-B', name: 'Filters', unitPrice: 250, currency: 'EUR', stock: 10 },
  'SKU-USD': { sku: 'SKU-USD', name: 'Mug', unitPrice: 900, currency: 'USD', stock: 10 },
};

const command = (patch: Partial<PlaceOrderCommand> = {}): PlaceOrderCommand => ({
  customerId: 'customer-1',
  items: [
    { sku: 'SKU-A', quantity: 2 },
    { sku: 'SKU-B', quantity: 3 },
  ],
  shippingAddress: { name: 'Ada', line1: '1 Main St', city: 'Berlin', postalCode: '10115', country: 'DE' },
  payment: { method: 'card', cardNumber: '4242424242424242', expiryMonth: 12, expiryYear: 2031, cvv: '123' },
  ...patch,
});

describe('OrdersService (in-memory repository, fake engine and domains)', () => {
  const registry = new Registry();
  const created = new Counter({ name: 'orders_created_total', help: 'test', registers: [registry] });
  const replays = new Counter({
    name: 'order_idempotent_replays_total',
    help: 'test',
    registers: [registry],
  });
  const manager = { name: 'the transaction' } as unknown as EntityManager;
  let orders: FakeOrders;
  let engine: { start: jest.Mock; requestCancellation: jest.Mock };
  let payments: { tokenize: jest.Mock; recordPending: jest.Mock };
  let outbox: { enqueue: jest.Mock };
  let audit: { record: jest.Mock };
  let service: OrdersService;

  const total = async (counter: Counter) => (await counter.get()).values[0]?.value ?? 0;

  beforeEach(() => {
    registry.resetMetrics();
    orders = new FakeOrders();
    engine = { start: jest.fn(async () => undefined), requestCancellation: jest.fn(async () => undefined) };
    payments = { tokenize: jest.fn(async () => 'tok_1'), recordPending: jest.fn(async () => undefined) };
    outbox = { enqueue: jest.fn(async () => []) };
    audit = { record: jest.fn() };
    const inventory = {
      getProducts: async (skus: string[]) => new Map(skus.map((sku) => [sku, CATALOG[sku]])),
    };
    const dataSource = { transaction: (work: (m: EntityManager) => Promise<unknown>) => work(manager) };
    service = new OrdersService(
      dataSource as unknown as DataSource,
      orders as unknown as OrdersRepository,
      inventory as unknown as InventoryService,
      payments as unknown as PaymentsService,
      engine as unknown as WorkflowEngine,
      created,
      replays,
      audit as unknown as AuditLog,
      outbox as unknown as WebhookOutbox,
    );
  });

  describe('placeOrder', () => {
    it('prices the order from the catalog, stores it with its pending payment and event, and starts the saga', async () => {
      const placed = await service.placeOrder(command());

      expect(placed.replayed).toBe(false);
      const [order] = orders.stored.values();
      expect(order).toMatchObject({
        id: placed.order.id,
        currency: 'EUR',
        total: 2750,
        idempotencyKey: null,
        lines: [
          { lineNo: 1, sku: 'SKU-A', productName: 'Beans', quantity: 2, unitPrice: 1000, lineTotal: 2000 },
          { lineNo: 2, sku: 'SKU-B', productName: 'Filters', quantity: 3, unitPrice: 250, lineTotal: 750 },
        ],
      });
      expect(payments.recordPending).toHaveBeenCalledWith(
        manager,
        { orderId: order.id, card: command().payment, amount: 2750, currency: 'EUR' },
        'tok_1',
      );
      expect(outbox.enqueue).toHaveBeenCalledWith(manager, {
        type: 'order.created',
        orderId: order.id,
        payload: placed.order,
      });
      expect(engine.start).toHaveBeenCalledWith(
        expect.objectContaining({
          id: order.id,
          customerId: order.customerId,
          total: order.total,
          status: 'PENDING',
        }),
      );
      expect(await total(created)).toBe(1);
    });

    it('answers a repeated request with the same key with the first order, without a second order or payment', async () => {
      const first = await service.placeOrder(command({ idempotencyKey: 'key-1' }));

      const again = await service.placeOrder(command({ idempotencyKey: 'key-1' }));

      expect(again).toEqual({ order: first.order, replayed: true });
      expect(orders.stored.size).toBe(1);
      expect(payments.tokenize).toHaveBeenCalledTimes(1);
      expect(payments.recordPending).toHaveBeenCalledTimes(1);
      expect(await total(created)).toBe(1);
      expect(await total(replays)).toBe(1);
    });

    it('starts the saga again on a replay while the order is PENDING (the first start may have failed)', async () => {
      const first = await service.placeOrder(command({ idempotencyKey: 'key-1' }));
      engine.start.mockClear();

      await service.placeOrder(command({ idempotencyKey: 'key-1' }));

      expect(engine.start).toHaveBeenCalledWith(
        expect.objectContaining({ id: first.order.id, status: 'PENDING' }),
      );
    });

    it('does not start the saga again on a replay once the order has moved on', async () => {
      const first = await service.placeOrder(command({ idempotencyKey: 'key-1' }));
      orders.stored.get(first.order.id)!.status = 'PAID';
      engine.start.mockClear();

      await expect(service.placeOrder(command({ idempotencyKey: 'key-1' }))).resolves.toMatchObject({
        replayed: true,
        order: { status: 'PAID' },
      });
      expect(engine.start).not.toHaveBeenCalled();
    });

    it('treats the same request with other card secrets (number but last four, CVV) as the same request', async () => {
      await service.placeOrder(command({ idempotencyKey: 'key-1' }));

      const again = await service.placeOrder(
        command({
          idempotencyKey: 'key-1',
          payment: {
            method: 'card',
            cardNumber: '4000056655664242',
            expiryMonth: 12,
            expiryYear: 2031,
            cvv: '999',
          },
        }),
      );

      expect(again.replayed).toBe(true);
    });

    it.each([
      ['another quantity', { items: [{ sku: 'SKU-A', quantity: 1 }] }],
      [
        'another address',
        {
          shippingAddress: {
            name: 'Ada',
            line1: '2 Main St',
            city: 'Berlin',
            postalCode: '10115',
            country: 'DE',
          },
        },
      ],
      [
        'another card',
        {
          payment: {
            method: 'card' as const,
            cardNumber: '5555555555554444',
            expiryMonth: 12,
            expiryYear: 2031,
            cvv: '123',
          },
        },
      ],
    ])('refuses the key sent again with %s with IdempotencyKeyReusedError', async (_, patch) => {
      const first = await service.placeOrder(command({ idempotencyKey: 'key-1' }));
      engine.start.mockClear();

      const error = await service
        .placeOrder(command({ idempotencyKey: 'key-1', ...patch }))
        .catch((e: unknown) => e);

      expect(error).toBeInstanceOf(IdempotencyKeyReusedError);
      expect(error).toMatchObject({ orderId: first.order.id });
      expect(orders.stored.size).toBe(1);
      expect(engine.start).not.toHaveBeenCalled();
      expect(await total(replays)).toBe(0);
    });

    it("keeps one customer's key apart from another's", async () => {
      await service.placeOrder(command({ idempotencyKey: 'key-1' }));

      const other = await service.placeOrder(command({ idempotencyKey: 'key-1', customerId: 'customer-2' }));

      expect(other.replayed).toBe(false);
      expect(orders.stored.size).toBe(2);
    });

    it('answers with the order of a concurrent request that stored the same key first', async () => {
      orders.concurrentWinnerId = 'winner-id';

      const placed = await service.placeOrder(command({ idempotencyKey: 'key-1' }));

      expect(placed).toMatchObject({ replayed: true, order: { id: 'winner-id' } });
      expect([...orders.stored.keys()]).toEqual(['winner-id']);
      expect(payments.recordPending).not.toHaveBeenCalled();
      expect(outbox.enqueue).not.toHaveBeenCalled();
      expect(engine.start).toHaveBeenCalledWith(expect.objectContaining({ id: 'winner-id' }));
      expect(await total(created)).toBe(0);
      expect(await total(replays)).toBe(1);
    });

    it('refuses items in more than one currency with MixedCurrenciesError before anything is stored', async () => {
      const error = await service
        .placeOrder(
          command({
            items: [
              { sku: 'SKU-A', quantity: 1 },
              { sku: 'SKU-USD', quantity: 1 },
            ],
          }),
        )
        .catch((e: unknown) => e);

      expect(error).toBeInstanceOf(MixedCurrenciesError);
      expect(error).toMatchObject({ currencies: ['EUR', 'USD'] });
      expect(payments.tokenize).not.toHaveBeenCalled();
      expect(orders.stored.size).toBe(0);
      expect(engine.start).not.toHaveBeenCalled();
    });
  });

  describe('requestCancellation', () => {
    const place = async () => (await service.placeOrder(command())).order.id;

    it('records the request and tells the saga', async () => {
      const orderId = await place();

      await expect(service.requestCancellation('customer-1', orderId)).resolves.toMatchObject({
        id: orderId,
      });
      expect(engine.requestCancellation).toHaveBeenCalledWith(orderId);
    });

    it('answers a cancelled order as it is when the request comes again', async () => {
      const orderId = await place();
      orders.stored.get(orderId)!.status = 'CANCELLED';
      orders.cancellable = false;

      await expect(service.requestCancellation('customer-1', orderId)).resolves.toMatchObject({
        status: 'CANCELLED',
      });
      expect(engine.requestCancellation).not.toHaveBeenCalled();
    });

    it('refuses an order that can no longer be cancelled with OrderNotCancellableError', async () => {
      const orderId = await place();
      orders.stored.get(orderId)!.status = 'PAID';
      orders.cancellable = false;

      const error = await service.requestCancellation('customer-1', orderId).catch((e: unknown) => e);

      expect(error).toBeInstanceOf(OrderNotCancellableError);
      expect(error).toMatchObject({ orderId, status: 'PAID' });
      expect(engine.requestCancellation).not.toHaveBeenCalled();
    });

    it("answers another customer's order as not found", async () => {
      const orderId = await place();

      await expect(service.requestCancellation('customer-2', orderId)).rejects.toBeInstanceOf(
        OrderNotFoundError,
      );
      expect(engine.requestCancellation).not.toHaveBeenCalled();
    });
  });
});
