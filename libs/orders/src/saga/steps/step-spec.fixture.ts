/**
 * What the saga specs share (test code, imported only by specs): a migrated PostgreSQL of their own, an
 * OrderProgress writing to it through the real repository and webhook outbox, an audit log that records,
 * and the rows they insert and read back.
 */
import { MIGRATIONS } from '@app/database';
import { StandaloneMetrics, type AuditLog, type AuditOutcome, type Histogram } from '@app/observability';
import { WebhookOutbox, type WebhookEventType } from '@app/webhooks';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { createTestDatabase, type TestDatabase } from '../../../../../tooling/database';
import type { OrderStatus } from '../../order-status';
import { OrdersRepository } from '../../orders.repository';
import { OrderProgress } from '../order-progress';

export interface StepSpecDatabase {
  db: TestDatabase;
  dataSource: DataSource;
  /** Closes the DataSource and drops the database. */
  close(): Promise<void>;
}

/**
 * A fresh database named after `prefix`, migrated, with a DataSource on it; when `webhookEventTypes` are
 * given, one webhook endpoint subscribed to them, so that moves announcing them write events.
 */
export async function openStepSpecDatabase(
  prefix: string,
  webhookEventTypes: readonly WebhookEventType[] = [],
): Promise<StepSpecDatabase> {
  const db = await createTestDatabase(prefix);
  const dataSource = new DataSource({ type: 'postgres', url: db.url, migrations: MIGRATIONS, poolSize: 4 });
  const close = async () => {
    if (dataSource.isInitialized) await dataSource.destroy();
    await db.drop();
  };
  try {
    await dataSource.initialize();
    await dataSource.runMigrations();
    if (webhookEventTypes.length > 0)
      await dataSource.query(
        `INSERT INTO webhook_endpoints (id, url, secret, event_types)
         VALUES (gen_random_uuid(), 'https://hooks.example.com/x', 'whsec_x', $1)`,
        [webhookEventTypes],
      );
  } catch (error) {
    await close();
    throw error;
  }
  return { db, dataSource, close };
}

export interface AuditRecord {
  action: string;
  fields: Record<string, unknown>;
  outcome?: AuditOutcome;
}

/** An audit log that keeps what it is asked to record, as it was asked. */
export class AuditRecorder {
  readonly records: AuditRecord[] = [];
  readonly log = {
    record: (action: string, fields: Record<string, unknown>, outcome?: AuditOutcome) => {
      this.records.push({ action, fields, outcome });
    },
  } as unknown as AuditLog;

  get actions(): string[] {
    return this.records.map((record) => record.action);
  }
}

/**
 * The OrderProgress the steps are given, on `dataSource`: the real repository (`orders`, or a new one) and
 * webhook outbox, the `audit` log (a new recorder unless given), and the `processing` histogram (unless
 * given, one on a registry of its own that nothing reads).
 */
export function orderProgressOn(
  dataSource: DataSource,
  {
    orders = new OrdersRepository(dataSource),
    audit = new AuditRecorder().log,
    processing,
  }: { orders?: OrdersRepository; audit?: AuditLog; processing?: Histogram<'outcome'> } = {},
): OrderProgress {
  const metrics = new StandaloneMetrics();
  return new OrderProgress(
    orders,
    new WebhookOutbox(
      dataSource,
      metrics.counter({ name: 'webhook_events_total', help: 'test', labelNames: ['endpoint'] }),
    ),
    audit,
    processing ??
      metrics.histogram({ name: 'order_processing_seconds', help: 'test', labelNames: ['outcome'] }),
  );
}

/**
 * An order of `total` (EUR) in `status`, without lines or payment, created `createdSecondsAgo` seconds
 * ago; answers its id.
 */
export async function insertOrder(
  dataSource: DataSource,
  {
    status,
    total,
    shippingAddress = {},
    createdSecondsAgo = 0,
  }: { status: OrderStatus; total: number; shippingAddress?: object; createdSecondsAgo?: number },
): Promise<string> {
  const orderId = randomUUID();
  await dataSource.query(
    `INSERT INTO orders (id, customer_id, request_fingerprint, status, currency, total_amount, shipping_address,
                         created_at)
     VALUES ($1, 'customer-1', $2, $3, 'EUR', $4, $5, now() - make_interval(secs => $6))`,
    [orderId, 'f'.repeat(64), status, total, JSON.stringify(shippingAddress), createdSecondsAgo],
  );
  return orderId;
}

/** A product named after its `sku`, at 100 EUR, with `stock` units. */
export async function insertProduct(dataSource: DataSource, sku: string, stock: number): Promise<void> {
  await dataSource.query(
    `INSERT INTO products (sku, name, unit_price, currency, stock) VALUES ($1, $1, 100, 'EUR', $2)`,
    [sku, stock],
  );
}

export async function statusOf(dataSource: DataSource, orderId: string): Promise<string> {
  const [row] = await dataSource.query<Array<{ status: string }>>('SELECT status FROM orders WHERE id = $1', [
    orderId,
  ]);
  return row.status;
}

/** The types of the webhook events written for the order, in the order they were written. */
export async function eventsOf(dataSource: DataSource, orderId: string): Promise<string[]> {
  const rows = await dataSource.query<Array<{ type: string }>>(
    'SELECT type FROM webhook_events WHERE order_id = $1 ORDER BY seq',
    [orderId],
  );
  return rows.map((row) => row.type);
}

/** What `promise` was rejected with, or undefined when it resolved. */
export function failureOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}
