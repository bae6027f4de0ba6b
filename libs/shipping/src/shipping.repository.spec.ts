import { randomUUID } from 'node:crypto';
import { MIGRATIONS } from '@app/database';
import { Histogram, Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import { createTestDatabase, type TestDatabase } from '../../../tooling/database';
import { waitFor } from '../../../tooling/wait-for';
import type { Carrier } from './carrier.port';
import { ShippingRepository } from './shipping.repository';
import { ShippingService } from './shipping.service';

/** The `shipments` table: one booking per order, the first one recorded stands. */
describe('ShippingRepository (real PostgreSQL)', () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  let repository: ShippingRepository;

  const order = async (): Promise<string> => {
    const id = randomUUID();
    await dataSource.query(
      `INSERT INTO orders (id, customer_id, request_fingerprint, status, currency, total_amount, shipping_address)
       VALUES ($1, 'customer-1', $2, 'PAID', 'EUR', 0, '{}')`,
      [id, 'f'.repeat(64)],
    );
    return id;
  };
  const rows = (orderId: string) =>
    dataSource.query<Array<{ carrier: string; tracking_number: string }>>(
      'SELECT carrier, tracking_number FROM shipments WHERE order_id = $1',
      [orderId],
    );

  beforeAll(async () => {
    db = await createTestDatabase('shipping_spec');
    dataSource = new DataSource({ type: 'postgres', url: db.url, migrations: MIGRATIONS, poolSize: 4 });
    await dataSource.initialize();
    await dataSource.runMigrations();
    repository = new ShippingRepository(dataSource);
  });
  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });

  it('records a booking and finds it', async () => {
    const orderId = await order();

    const recorded = await dataSource.transaction((manager) =>
      repository.insert(manager, { orderId, carrier: 'SIM-EXPRESS', trackingNumber: 'SIMAAA' }),
    );

    expect(recorded).toBe(true);
    await expect(repository.find(orderId)).resolves.toEqual({
      orderId,
      carrier: 'SIM-EXPRESS',
      trackingNumber: 'SIMAAA',
      createdAt: expect.any(Date),
    });
  });

  it('finds nothing for an order without a booking', async () => {
    await expect(repository.find(await order())).resolves.toBeNull();
  });

  it('keeps the first booking when another is recorded for the same order, and says the second was not', async () => {
    const orderId = await order();
    const first = await dataSource.transaction((manager) =>
      repository.insert(manager, { orderId, carrier: 'SIM-EXPRESS', trackingNumber: 'SIMFIRST' }),
    );

    const second = await dataSource.transaction((manager) =>
      repository.insert(manager, { orderId, carrier: 'OTHER', trackingNumber: 'SIMSECOND' }),
    );

    expect([first, second]).toEqual([true, false]);
    expect(await rows(orderId)).toEqual([{ carrier: 'SIM-EXPRESS', tracking_number: 'SIMFIRST' }]);
  });

  it('waits for a concurrent transaction that recorded first, and keeps its booking', async () => {
    const orderId = await order();
    const waitingForLock = () =>
      dataSource.query<Array<{ waiting: number }>>(
        `SELECT count(*)::int AS waiting FROM pg_stat_activity
          WHERE datname = current_database() AND wait_event_type = 'Lock'`,
      );

    let later: Promise<unknown> | undefined;
    await dataSource.transaction(async (manager) => {
      await repository.insert(manager, { orderId, carrier: 'SIM-EXPRESS', trackingNumber: 'SIMEARLY' });
      later = dataSource.transaction((other) =>
        repository.insert(other, { orderId, carrier: 'SIM-EXPRESS', trackingNumber: 'SIMLATE' }),
      );
      await waitFor(waitingForLock, ([row]) => row.waiting === 1);
    });

    await expect(later).resolves.toBe(false);
    expect(await rows(orderId)).toEqual([{ carrier: 'SIM-EXPRESS', tracking_number: 'SIMEARLY' }]);
  });

  it('ShippingService.recordBooking keeps the first booking and shipmentOf answers it', async () => {
    const registry = new Registry();
    const arrangement = new Histogram({
      name: 'shipping_arrangement_seconds',
      help: 'test',
      labelNames: ['outcome'],
      registers: [registry],
    });
    const carrier: Carrier = { name: 'SIM-EXPRESS', createShipment: jest.fn() };
    const service = new ShippingService(repository, carrier, arrangement);
    const orderId = await order();

    await dataSource.transaction((manager) =>
      service.recordBooking(manager, { orderId, carrier: 'SIM-EXPRESS', trackingNumber: 'SIMONE' }),
    );
    const again = await dataSource.transaction((manager) =>
      service.recordBooking(manager, { orderId, carrier: 'SIM-EXPRESS', trackingNumber: 'SIMTWO' }),
    );

    expect(again).toBe(false);
    await expect(service.shipmentOf(orderId)).resolves.toMatchObject({ trackingNumber: 'SIMONE' });
    expect(carrier.createShipment).not.toHaveBeenCalled();
  });
});
