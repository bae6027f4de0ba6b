import { randomUUID } from 'node:crypto';
import { MIGRATIONS } from '@app/database';
import { Counter, Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import { createTestDatabase, type TestDatabase } from '../../../tooling/database';
import { waitFor } from '../../../tooling/wait-for';
import {
  ProductNotFoundError,
  RestockIdempotencyKeyReusedError,
  StockLimitExceededError,
} from './inventory.errors';
import { InventoryRepository } from './inventory.repository';
import { InventoryService } from './inventory.service';
import { MAX_STOCK } from './inventory.types';
import { RestockKeysRepository } from './restock-keys.repository';
import { restockRequestHash } from './restock-request';
import { RestockService, type RestockIdempotency } from './restock.service';

const DAY = 24 * 3600;

/** Idempotent restocks as PostgreSQL enforces them: the key's primary key, its transaction, its expiry. */
describe('RestockService (real PostgreSQL)', () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  let keys: RestockKeysRepository;
  let inventory: InventoryService;
  let service: RestockService;
  const registry = new Registry();
  const updates = new Counter({
    name: 'inventory_updates_total',
    help: 'test',
    labelNames: ['operation'],
    registers: [registry],
  });

  const restocksCounted = async () =>
    (await updates.get()).values.find((v) => v.labels.operation === 'restock')?.value ?? 0;
  /** A product of its own for each test, with `stock` units. */
  const product = async (stock: number): Promise<string> => {
    const sku = `RST-${randomUUID().slice(0, 8)}`;
    await dataSource.query(
      `INSERT INTO products (sku, name, unit_price, currency, stock) VALUES ($1, $1, 100, 'EUR', $2)`,
      [sku, stock],
    );
    return sku;
  };
  const stockOf = async (sku: string): Promise<number> => {
    const [row] = await dataSource.query<Array<{ stock: number }>>(
      'SELECT stock FROM products WHERE sku = $1',
      [sku],
    );
    return row.stock;
  };
  /** A key of its own for each test, for `operatorId`, remembered for 30 days. */
  const keyFor = (operatorId = 'ops-1', ttlSeconds = 30 * DAY): RestockIdempotency => ({
    operatorId,
    key: `key-${randomUUID()}`,
    ttlSeconds,
  });
  const keyRows = (key: string) =>
    dataSource.query<
      Array<{ operator_id: string; sku: string; request_hash: string; lifetime_seconds: number }>
    >(
      `SELECT operator_id, sku, request_hash, extract(epoch FROM expires_at - created_at)::int AS lifetime_seconds
         FROM restock_idempotency_keys WHERE idempotency_key = $1 ORDER BY operator_id`,
      [key],
    );
  /** Moves a key's life into the past: it expired `agoSeconds` ago. */
  const expire = (key: RestockIdempotency, agoSeconds = 1) =>
    dataSource.query(
      `UPDATE restock_idempotency_keys
          SET created_at = now() - make_interval(secs => $3 + 60), expires_at = now() - make_interval(secs => $3)
        WHERE operator_id = $1 AND idempotency_key = $2`,
      [key.operatorId, key.key, agoSeconds],
    );

  beforeAll(async () => {
    db = await createTestDatabase('restock_spec');
    dataSource = new DataSource({ type: 'postgres', url: db.url, migrations: MIGRATIONS, poolSize: 12 });
    await dataSource.initialize();
    await dataSource.runMigrations();
    keys = new RestockKeysRepository(dataSource);
    inventory = new InventoryService(new InventoryRepository(dataSource), updates);
    service = new RestockService(inventory, keys, dataSource);
  });
  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });
  beforeEach(() => registry.resetMetrics());

  describe('without a key', () => {
    it('restocks every time', async () => {
      const sku = await product(5);

      await expect(service.restock(sku, 3)).resolves.toEqual({
        product: expect.objectContaining({ sku, stock: 8 }),
        replayed: false,
      });
      await expect(service.restock(sku, 3)).resolves.toMatchObject({
        product: { stock: 11 },
        replayed: false,
      });
      expect(await stockOf(sku)).toBe(11);
      expect(await restocksCounted()).toBe(2);
    });
  });

  describe('with a key', () => {
    it('restocks once and answers a repeat with the first answer, adding nothing', async () => {
      const sku = await product(5);
      const key = keyFor();

      const first = await service.restock(sku, 7, key);
      const again = await service.restock(sku, 7, key);

      expect(first).toEqual({
        product: { sku, name: sku, unitPrice: 100, currency: 'EUR', stock: 12 },
        replayed: false,
      });
      expect(again).toEqual({ product: first.product, replayed: true });
      expect(await stockOf(sku)).toBe(12);
      expect(await restocksCounted()).toBe(1);
      expect(await keyRows(key.key)).toEqual([
        {
          operator_id: 'ops-1',
          sku,
          request_hash: restockRequestHash({ sku, quantity: 7 }),
          lifetime_seconds: 30 * DAY,
        },
      ]);
    });

    it('answers a repeat with the stock the first restock left, not the stock of now', async () => {
      const sku = await product(5);
      const key = keyFor();
      await service.restock(sku, 1, key);
      await service.restock(sku, 100); // another restock in between

      await expect(service.restock(sku, 1, key)).resolves.toMatchObject({
        product: { stock: 6 },
        replayed: true,
      });
      expect(await stockOf(sku)).toBe(106);
    });

    it.each([
      ['another quantity', 8, false],
      ['another SKU', 7, true],
    ])('refuses the key sent with %s, changing nothing', async (_, quantity, otherSku) => {
      const sku = await product(5);
      const other = await product(5);
      const key = keyFor();
      await service.restock(sku, 7, key);

      const error = await service.restock(otherSku ? other : sku, quantity, key).catch((e: unknown) => e);

      expect(error).toBeInstanceOf(RestockIdempotencyKeyReusedError);
      expect(error).toMatchObject({
        message: 'this Idempotency-Key was already used with a different request',
      });
      expect([await stockOf(sku), await stockOf(other)]).toEqual([12, 5]);
      expect(await restocksCounted()).toBe(1);
    });

    it('keeps keys per operator: the same key of two operators restocks twice', async () => {
      const sku = await product(0);
      const key = `shared-${randomUUID()}`;

      const a = await service.restock(sku, 2, { operatorId: 'ops-a', key, ttlSeconds: DAY });
      const b = await service.restock(sku, 2, { operatorId: 'ops-b', key, ttlSeconds: DAY });

      expect([a.replayed, b.replayed]).toEqual([false, false]);
      expect([a.product.stock, b.product.stock]).toEqual([2, 4]);
      expect((await keyRows(key)).map((row) => row.operator_id)).toEqual(['ops-a', 'ops-b']);
    });

    it('restocks once when ten requests with the same key run at once', async () => {
      const sku = await product(0);
      const key = keyFor();

      const outcomes = await Promise.all(Array.from({ length: 10 }, () => service.restock(sku, 5, key)));

      expect(outcomes.filter((o) => !o.replayed)).toHaveLength(1);
      expect(new Set(outcomes.map((o) => o.product.stock))).toEqual(new Set([5]));
      expect(await stockOf(sku)).toBe(5);
      expect(await restocksCounted()).toBe(1);
    });

    it('a repeat that finds the key taken by an open transaction waits for it, then answers its answer', async () => {
      const sku = await product(0);
      const key = keyFor();
      const claim = { ...key, requestHash: restockRequestHash({ sku, quantity: 4 }), sku };
      const waitingForLock = () =>
        dataSource.query<Array<{ waiting: number }>>(
          `SELECT count(*)::int AS waiting FROM pg_stat_activity
            WHERE datname = current_database() AND wait_event_type = 'Lock'`,
        );

      // The first restock has taken the key and added the stock, but not committed yet: the repeat does not
      // see the key, tries to take it and waits on its primary key.
      let repeat: ReturnType<RestockService['restock']> | undefined;
      await dataSource.transaction(async (manager) => {
        expect(await keys.claim(manager, claim)).toBe(true);
        const restocked = await inventory.restock(sku, 4, manager);
        await keys.record(manager, key.operatorId, key.key, restocked);
        repeat = service.restock(sku, 4, key);
        await waitFor(waitingForLock, ([row]) => row.waiting === 1);
      });

      await expect(repeat).resolves.toMatchObject({ product: { stock: 4 }, replayed: true });
      expect(await stockOf(sku)).toBe(4);
    });

    it('treats an expired key as unused: the same request restocks again and the key lives anew', async () => {
      const sku = await product(0);
      const key = keyFor('ops-1', DAY);
      await service.restock(sku, 3, key);
      await expire(key);

      await expect(service.restock(sku, 3, key)).resolves.toMatchObject({
        product: { stock: 6 },
        replayed: false,
      });
      await expect(service.restock(sku, 3, key)).resolves.toMatchObject({
        product: { stock: 6 },
        replayed: true,
      });
      expect(await stockOf(sku)).toBe(6);
      expect(await keyRows(key.key)).toMatchObject([{ lifetime_seconds: DAY }]);
    });

    it('accepts an expired key with another request', async () => {
      const sku = await product(0);
      const key = keyFor();
      await service.restock(sku, 3, key);
      await expire(key);

      await expect(service.restock(sku, 9, key)).resolves.toMatchObject({
        product: { stock: 12 },
        replayed: false,
      });
      expect(await keyRows(key.key)).toMatchObject([
        { request_hash: restockRequestHash({ sku, quantity: 9 }) },
      ]);
    });

    it('keeps the key for the configured lifetime', async () => {
      const sku = await product(0);
      const key = keyFor('ops-1', 90);

      await service.restock(sku, 1, key);

      expect(await keyRows(key.key)).toMatchObject([{ lifetime_seconds: 90 }]);
      const [{ counts }] = await dataSource.query<Array<{ counts: boolean }>>(
        `SELECT expires_at > now() + interval '80 seconds' AND expires_at <= now() + interval '90 seconds' AS counts
           FROM restock_idempotency_keys WHERE idempotency_key = $1`,
        [key.key],
      );
      expect(counts).toBe(true);
    });

    it('does not keep the key of a refused restock: the key may be sent again', async () => {
      const sku = await product(MAX_STOCK - 10);
      const key = keyFor();

      await expect(service.restock(sku, 11, key)).rejects.toBeInstanceOf(StockLimitExceededError);
      await expect(service.restock('RST-missing', 1, key)).rejects.toBeInstanceOf(ProductNotFoundError);
      expect(await keyRows(key.key)).toEqual([]);

      await expect(service.restock(sku, 10, key)).resolves.toMatchObject({
        product: { stock: MAX_STOCK },
        replayed: false,
      });
      expect(await restocksCounted()).toBe(1);
    });
  });

  describe('purgeExpiredKeys', () => {
    it('deletes at most a batch of expired keys per call, oldest first, and never a key that counts', async () => {
      await dataSource.query('DELETE FROM restock_idempotency_keys');
      const sku = await product(0);
      const expired = [keyFor(), keyFor(), keyFor()];
      const live = [keyFor(), keyFor('ops-1', 60)];
      for (const key of [...expired, ...live]) await service.restock(sku, 1, key);
      for (const [i, key] of expired.entries()) await expire(key, 100 - i); // expired[0] expired first

      await expect(service.purgeExpiredKeys(2)).resolves.toBe(2);
      expect(await keyRows(expired[0].key)).toEqual([]);
      expect(await keyRows(expired[1].key)).toEqual([]);
      expect(await keyRows(expired[2].key)).toHaveLength(1);

      await expect(service.purgeExpiredKeys(2)).resolves.toBe(1);
      await expect(service.purgeExpiredKeys(2)).resolves.toBe(0);
      const [{ left }] = await dataSource.query<Array<{ left: string[] }>>(
        'SELECT array_agg(idempotency_key ORDER BY idempotency_key) AS left FROM restock_idempotency_keys',
      );
      expect(left).toEqual(live.map((key) => key.key).sort());
    });

    it('skips an expired key another transaction is taking again', async () => {
      await dataSource.query('DELETE FROM restock_idempotency_keys');
      const sku = await product(0);
      const key = keyFor();
      await service.restock(sku, 1, key);
      await expire(key);

      await dataSource.transaction(async (manager) => {
        const claim = { ...key, requestHash: restockRequestHash({ sku, quantity: 2 }), sku };
        expect(await keys.claim(manager, claim)).toBe(true); // holds the row
        await expect(service.purgeExpiredKeys(10)).resolves.toBe(0);
        await keys.record(manager, key.operatorId, key.key, await inventory.restock(sku, 2, manager));
      });
      expect(await keyRows(key.key)).toMatchObject([
        { request_hash: restockRequestHash({ sku, quantity: 2 }) },
      ]);
    });
  });
});
