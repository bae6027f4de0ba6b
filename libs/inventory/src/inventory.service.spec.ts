import { randomUUID } from 'node:crypto';
import { MIGRATIONS } from '@app/database';
import { Counter, Registry } from 'prom-client';
import { DataSource, type EntityManager } from 'typeorm';
import { createTestDatabase, type TestDatabase } from '../../../tooling/database';
import { waitFor } from '../../../tooling/wait-for';
import { InsufficientStockError, ProductNotFoundError, StockLimitExceededError } from './inventory.errors';
import { InventoryRepository } from './inventory.repository';
import { InventoryService } from './inventory.service';
import { MAX_STOCK, type StockLine } from './inventory.types';

/** The inventory's rules as PostgreSQL enforces them: conditional decrements, row locks, one reservation per order. */
describe('InventoryService (real PostgreSQL)', () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  let repository: InventoryRepository;
  let service: InventoryService;
  const registry = new Registry();
  const updates = new Counter({
    name: 'inventory_updates_total',
    help: 'test',
    labelNames: ['operation'],
    registers: [registry],
  });

  const counted = async (operation: string) =>
    (await updates.get()).values.find((v) => v.labels.operation === operation)?.value ?? 0;

  /** A product of its own for each test, with `stock` units. */
  const product = async (stock: number): Promise<string> => {
    const sku = `INV-${randomUUID().slice(0, 8)}`;
    await dataSource.query(
      `INSERT INTO products (sku, name, unit_price, currency, stock) VALUES ($1, $1, 100, 'EUR', $2)`,
      [sku, stock],
    );
    return sku;
  };
  /** An order for reservations to belong to. */
  const order = async (): Promise<string> => {
    const id = randomUUID();
    await dataSource.query(
      `INSERT INTO orders (id, customer_id, request_fingerprint, status, currency, total_amount, shipping_address)
       VALUES ($1, 'customer-1', $2, 'PENDING', 'EUR', 0, '{}')`,
      [id, 'f'.repeat(64)],
    );
    return id;
  };
  const stockOf = async (sku: string): Promise<number> => {
    const [row] = await dataSource.query<Array<{ stock: number }>>(
      'SELECT stock FROM products WHERE sku = $1',
      [sku],
    );
    return row.stock;
  };
  const reservations = (orderId: string) =>
    dataSource.query<Array<{ sku: string; quantity: number; status: string }>>(
      'SELECT sku, quantity, status FROM inventory_reservations WHERE order_id = $1 ORDER BY sku',
      [orderId],
    );
  const reserve = (orderId: string, lines: StockLine[]) =>
    dataSource.transaction((manager) => service.reserveForOrder(manager, orderId, lines));
  const release = (orderId: string) =>
    dataSource.transaction((manager) => service.releaseForOrder(manager, orderId));

  beforeAll(async () => {
    db = await createTestDatabase('inventory_spec');
    dataSource = new DataSource({ type: 'postgres', url: db.url, migrations: MIGRATIONS, poolSize: 6 });
    await dataSource.initialize();
    await dataSource.runMigrations();
    repository = new InventoryRepository(dataSource);
    service = new InventoryService(repository, updates);
  });
  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });
  beforeEach(() => registry.resetMetrics());

  describe('reserveForOrder', () => {
    it('takes every line of the order and holds it as RESERVED', async () => {
      const [a, b] = [await product(10), await product(5)];
      const orderId = await order();

      await expect(
        reserve(orderId, [
          { sku: a, quantity: 3 },
          { sku: b, quantity: 5 },
        ]),
      ).resolves.toBe('reserved');

      expect([await stockOf(a), await stockOf(b)]).toEqual([7, 0]);
      expect(await reservations(orderId)).toEqual(
        [
          { sku: a, quantity: 3, status: 'RESERVED' },
          { sku: b, quantity: 5, status: 'RESERVED' },
        ].sort((x, y) => x.sku.localeCompare(y.sku)),
      );
      expect(await counted('reserve')).toBe(1);
    });

    it('reserving twice for the same order answers already-reserved and takes the stock once', async () => {
      const sku = await product(10);
      const orderId = await order();

      await expect(reserve(orderId, [{ sku, quantity: 4 }])).resolves.toBe('reserved');
      await expect(reserve(orderId, [{ sku, quantity: 4 }])).resolves.toBe('already-reserved');

      expect(await stockOf(sku)).toBe(6);
      expect(await reservations(orderId)).toEqual([{ sku, quantity: 4, status: 'RESERVED' }]);
      expect(await counted('reserve')).toBe(1);
    });

    it('refuses more than the stock with InsufficientStockError, and the transaction takes no line at all', async () => {
      const [plenty, scarce] = [await product(10), await product(2)];
      const orderId = await order();

      const error = await reserve(orderId, [
        { sku: plenty, quantity: 1 },
        { sku: scarce, quantity: 3 },
      ]).catch((e: unknown) => e);

      expect(error).toBeInstanceOf(InsufficientStockError);
      expect(error).toMatchObject({ sku: scarce, requested: 3 });
      expect([await stockOf(plenty), await stockOf(scarce)]).toEqual([10, 2]);
      expect(await reservations(orderId)).toEqual([]);
      expect(await counted('reserve_rejected')).toBe(1);
      expect(await counted('reserve')).toBe(0);
    });

    it('takes the lines in SKU order, whatever the order of the lines', async () => {
      const skus = [await product(5), await product(5), await product(5)].sort();
      const orderId = await order();
      const take = jest.spyOn(repository, 'take');
      try {
        await reserve(orderId, [
          { sku: skus[2], quantity: 1 },
          { sku: skus[0], quantity: 1 },
          { sku: skus[1], quantity: 1 },
        ]);
        expect(take.mock.calls.map(([, line]) => line.sku)).toEqual(skus);
      } finally {
        take.mockRestore();
      }
    });

    it('lets exactly one of two orders competing for the last units have them, and stock never goes below 0', async () => {
      const sku = await product(3);
      const [first, second] = [await order(), await order()];
      const waitingForLock = () =>
        dataSource.query<Array<{ waiting: number }>>(
          `SELECT count(*)::int AS waiting FROM pg_stat_activity
            WHERE datname = current_database() AND wait_event_type = 'Lock'`,
        );

      // The first order holds the product row (its transaction is still open) while the second one's
      // decrement waits for it; once the first commits, the second finds too little stock left.
      let secondAttempt: Promise<unknown> | undefined;
      await dataSource.transaction(async (manager: EntityManager) => {
        await expect(service.reserveForOrder(manager, first, [{ sku, quantity: 3 }])).resolves.toBe(
          'reserved',
        );
        secondAttempt = reserve(second, [{ sku, quantity: 2 }]).catch((e: unknown) => e);
        await waitFor(waitingForLock, ([row]) => row.waiting === 1);
      });

      expect(await secondAttempt).toBeInstanceOf(InsufficientStockError);
      expect(await stockOf(sku)).toBe(0);
      expect(await reservations(first)).toEqual([{ sku, quantity: 3, status: 'RESERVED' }]);
      expect(await reservations(second)).toEqual([]);
    });

    it('sells out but never oversells when many orders reserve at once', async () => {
      const sku = await product(3);
      const orders = await Promise.all(Array.from({ length: 6 }, () => order()));

      const outcomes = await Promise.allSettled(orders.map((id) => reserve(id, [{ sku, quantity: 1 }])));

      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(3);
      for (const outcome of outcomes.filter((o) => o.status === 'rejected'))
        expect(outcome.reason).toBeInstanceOf(InsufficientStockError);
      expect(await stockOf(sku)).toBe(0);
    });
  });

  describe('releaseForOrder', () => {
    it('gives the held stock back once: true, then false, and the stock is whole again', async () => {
      const [a, b] = [await product(10), await product(10)];
      const orderId = await order();
      await reserve(orderId, [
        { sku: a, quantity: 4 },
        { sku: b, quantity: 1 },
      ]);

      await expect(release(orderId)).resolves.toBe(true);
      expect([await stockOf(a), await stockOf(b)]).toEqual([10, 10]);
      await expect(release(orderId)).resolves.toBe(false);
      expect([await stockOf(a), await stockOf(b)]).toEqual([10, 10]);

      expect((await reservations(orderId)).map((r) => r.status)).toEqual(['RELEASED', 'RELEASED']);
      expect(await counted('release')).toBe(1);
    });

    it('gives the stock back once when two releases of the order run at once', async () => {
      const sku = await product(10);
      const orderId = await order();
      await reserve(orderId, [{ sku, quantity: 4 }]);
      const waitingForLock = () =>
        dataSource.query<Array<{ waiting: number }>>(
          `SELECT count(*)::int AS waiting FROM pg_stat_activity
            WHERE datname = current_database() AND wait_event_type = 'Lock'`,
        );

      // The first release holds the reservation rows (its transaction is still open) while the second waits.
      let second: Promise<boolean> | undefined;
      const first = await dataSource.transaction(async (manager) => {
        const released = await service.releaseForOrder(manager, orderId);
        second = release(orderId);
        await waitFor(waitingForLock, ([row]) => row.waiting === 1);
        return released;
      });

      expect([first, await second]).toEqual([true, false]);
      expect(await stockOf(sku)).toBe(10);
      expect(await counted('release')).toBe(1);
    });

    it('answers false for an order that holds nothing', async () => {
      await expect(release(await order())).resolves.toBe(false);
      expect(await counted('release')).toBe(0);
    });

    it('does not take the stock again when a reservation is repeated after its release', async () => {
      const sku = await product(10);
      const orderId = await order();
      await reserve(orderId, [{ sku, quantity: 4 }]);
      await release(orderId);

      await expect(reserve(orderId, [{ sku, quantity: 4 }])).resolves.toBe('already-reserved');
      expect(await stockOf(sku)).toBe(10);
    });
  });

  describe('restock', () => {
    it('adds units and answers the product', async () => {
      const sku = await product(5);

      await expect(service.restock(sku, 7)).resolves.toMatchObject({ sku, stock: 12 });
      expect(await stockOf(sku)).toBe(12);
      expect(await counted('restock')).toBe(1);
    });

    it('fills a product up to MAX_STOCK exactly', async () => {
      const sku = await product(MAX_STOCK - 10);

      await expect(service.restock(sku, 10)).resolves.toMatchObject({ stock: MAX_STOCK });
    });

    it('refuses a restock past MAX_STOCK with StockLimitExceededError and leaves the stock unchanged', async () => {
      const sku = await product(MAX_STOCK - 10);

      const error = await service.restock(sku, 11).catch((e: unknown) => e);

      expect(error).toBeInstanceOf(StockLimitExceededError);
      expect(error).toMatchObject({ sku, limit: MAX_STOCK });
      expect(await stockOf(sku)).toBe(MAX_STOCK - 10);
      expect(await counted('restock')).toBe(0);
    });

    it('refuses a restock of an unknown SKU with ProductNotFoundError', async () => {
      await expect(service.restock('INV-missing', 1)).rejects.toBeInstanceOf(ProductNotFoundError);
    });
  });

  describe('the catalog', () => {
    it('names every unknown SKU it was asked for', async () => {
      const sku = await product(1);

      await expect(service.getProducts([sku, 'INV-x', 'INV-y'])).rejects.toMatchObject({
        skus: ['INV-x', 'INV-y'],
      });
      expect([...(await service.getProducts([sku])).keys()]).toEqual([sku]);
    });
  });
});
