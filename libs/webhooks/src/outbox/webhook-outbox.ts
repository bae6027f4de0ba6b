import { returningRows } from '@app/database';
import { currentTraceCarrier, InjectMetric, type Counter } from '@app/observability';
import { Injectable, type OnModuleInit } from '@nestjs/common';
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
import { ENQUEUE_EVENT_SQL } from './webhook-outbox.sql';

/** An event about an order, as its cause writes it: `payload` is what deliveries carry as `data.order`. */
export interface OutboxEvent {
  type: WebhookEventType;
  orderId: string;
  payload: unknown;
}

/**
 * The transactional outbox of webhook events. The caller writes an event with the state change that
 * causes it, in the same transaction: a change that rolls back leaves no event, a committed one cannot
 * lose it. `webhook_events_total` counts the event for each endpoint once the transaction has committed.
 */
@Injectable()
export class WebhookOutbox implements EntitySubscriberInterface, OnModuleInit {
  /** Endpoints of events written in a transaction still open, counted when (and if) it commits. */
  private readonly uncommitted = new WeakMap<QueryRunner, string[]>();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectMetric(WEBHOOK_METRICS.events) private readonly events: Counter<'endpoint'>,
  ) {}

  onModuleInit(): void {
    this.dataSource.subscribers.push(this);
  }

  /**
   * Writes the event inside the transaction of `manager`, fanned out to every enabled endpoint subscribed
   * to its type; nothing when none is. Resolves with those endpoints' ids.
   */
  async enqueue(manager: EntityManager, event: OutboxEvent): Promise<string[]> {
    const rows = await returningRows<{ endpoint_id: string }>(manager, ENQUEUE_EVENT_SQL, [
      event.orderId,
      JSON.stringify(event.payload),
      event.type,
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
