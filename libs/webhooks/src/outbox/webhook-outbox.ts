import { returningRows } from '@app/database';
import { currentTraceCarrier, InjectMetric, type Counter } from '@app/observability';
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type {
  DataSource,
  EntityManager,
  EntitySubscriberInterface,
  QueryRunner,
  TransactionCommitEvent,
  TransactionRollbackEvent,
} from 'typeorm';
import type { WebhookEventType } from '../webhook-events';
import { WEBHOOK_METRICS } from '../webhook-telemetry.names';
import { WEBHOOK_OUTBOX_OPTIONS, type WebhookOutboxOptions } from './webhook-outbox.options';

/**
 * One statement: the event (its payload computed by the payload query in the same transaction) is
 * written only when an enabled endpoint subscribes to its type, with one pending delivery per such
 * endpoint. `$1` order id, `$2` NULL (the payload query's), `$3` type, `$4` the trace carrier.
 */
const recordEventSql = (payloadQuery: string) => `
WITH subscribers AS (
  SELECT id FROM webhook_endpoints WHERE enabled AND $3 = ANY (event_types)
), event AS (
  INSERT INTO webhook_events (id, type, order_id, payload, trace_carrier)
  SELECT gen_random_uuid(), $3, $1, (SELECT payload.data::jsonb FROM (${payloadQuery}) AS payload (data)), $4::jsonb
   WHERE EXISTS (SELECT 1 FROM subscribers)
  RETURNING seq, order_id
)
INSERT INTO webhook_deliveries (event_seq, endpoint_id, order_id)
SELECT event.seq, subscribers.id, event.order_id FROM event CROSS JOIN subscribers
RETURNING endpoint_id`;

/**
 * The transactional outbox of webhook events. The caller writes an event with the state change that
 * causes it, in the same transaction: a change that rolls back leaves no event, a committed one cannot
 * lose it. `webhook_events_total` counts the event for each endpoint once the transaction has committed.
 */
@Injectable()
export class WebhookOutbox implements EntitySubscriberInterface, OnModuleInit {
  private readonly sql: string;
  /** Endpoints of events written in a transaction still open, counted when (and if) it commits. */
  private readonly uncommitted = new WeakMap<QueryRunner, string[]>();

  constructor(
    @Inject(WEBHOOK_OUTBOX_OPTIONS) options: WebhookOutboxOptions,
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectMetric(WEBHOOK_METRICS.events) private readonly events: Counter<'endpoint'>,
  ) {
    this.sql = recordEventSql(options.payloadQuery);
  }

  onModuleInit(): void {
    this.dataSource.subscribers.push(this);
  }

  /**
   * Writes a `type` event about the order inside the transaction of `manager`, fanned out to every enabled
   * endpoint subscribed to the type; nothing when none is. Resolves with those endpoints' ids.
   */
  async record(manager: EntityManager, type: WebhookEventType, orderId: string): Promise<string[]> {
    const rows = await returningRows<{ endpoint_id: string }>(manager, this.sql, [
      orderId,
      null,
      type,
      JSON.stringify(currentTraceCarrier()),
    ]);
    const endpoints = rows.map((row) => row.endpoint_id);
    const runner = manager.queryRunner;
    if (endpoints.length === 0) return endpoints;
    if (runner?.isTransactionActive)
      this.uncommitted.set(runner, [...(this.uncommitted.get(runner) ?? []), ...endpoints]);
    else this.count(endpoints);
    return endpoints;
  }

  afterTransactionCommit({ queryRunner }: TransactionCommitEvent): void {
    if (queryRunner.isTransactionActive) return; // a savepoint was released: the transaction goes on
    const endpoints = this.uncommitted.get(queryRunner);
    if (!endpoints) return;
    this.uncommitted.delete(queryRunner);
    this.count(endpoints);
  }

  afterTransactionRollback({ queryRunner }: TransactionRollbackEvent): void {
    if (!queryRunner.isTransactionActive) this.uncommitted.delete(queryRunner);
  }

  private count(endpoints: string[]): void {
    for (const endpoint of endpoints) this.events.inc({ endpoint });
  }
}
