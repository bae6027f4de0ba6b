import { keysetPage, returningRows, type KeysetPage } from '@app/database';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { WebhookEventType } from '../webhook-events';
import { WebhookDeliveryNotFoundError, WebhookDeliveryPendingError } from '../webhooks.errors';
import {
  BACKLOG_SQL,
  CLAIM_SQL,
  DELIVERED_SQL,
  DELIVERY_COUNTS_SQL,
  DELIVERY_STATUS_SQL,
  DUE_ENDPOINTS_SQL,
  EXPIRE_SQL,
  FAILED_SQL,
  LIST_SQL,
  REDELIVER_SQL,
} from './webhook-deliveries.sql';
import type {
  ClaimedDelivery,
  DeliveryCount,
  DeliveryStatus,
  DeliveryView,
  EndpointBacklog,
  FailedAttemptOutcome,
} from './webhook-delivery.types';

/** How long one backlog reading serves (the two backlog gauges and the debug view share it). */
const BACKLOG_TTL_MS = 200;

interface ClaimRow {
  event_seq: string;
  endpoint_id: string;
  attempts: number;
  event_id: string;
  type: WebhookEventType;
  order_id: string;
  payload: unknown;
  trace_carrier: Record<string, string>;
  created_at: Date;
  url: string;
  secret: string;
  previous_secret: string | null;
  legacy_secret: string | null;
}

/** The delivery rows: what is due, who holds an attempt, how it ended. */
@Injectable()
export class WebhookDeliveries {
  private backlogReading?: { at: number; rows: Promise<EndpointBacklog[]> };

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async dueEndpoints(): Promise<string[]> {
    const rows: Array<{ id: string }> = await this.dataSource.query(DUE_ENDPOINTS_SQL);
    return rows.map((row) => row.id);
  }

  /**
   * Claims up to `limit` due deliveries of the endpoint for `leaseMs`, with the secrets that sign them;
   * `legacySignaturesUntil`, when given, ends every endpoint's transition window instead of its own end.
   */
  async claim(
    endpointId: string,
    limit: number,
    leaseMs: number,
    legacySignaturesUntil: Date | null = null,
  ): Promise<ClaimedDelivery[]> {
    const rows = await returningRows<ClaimRow>(this.dataSource, CLAIM_SQL, [
      endpointId,
      limit,
      leaseMs,
      legacySignaturesUntil,
    ]);
    return rows
      .map((row) => ({
        eventSeq: row.event_seq,
        endpointId: row.endpoint_id,
        attempt: row.attempts,
        eventId: row.event_id,
        type: row.type,
        orderId: row.order_id,
        payload: row.payload,
        traceCarrier: row.trace_carrier,
        createdAt: row.created_at,
        url: row.url,
        secret: row.secret,
        previousSecret: row.previous_secret,
        legacySecret: row.legacy_secret,
      }))
      .sort((a, b) => Number(BigInt(a.eventSeq) - BigInt(b.eventSeq)));
  }

  /** Resolves with the event's latency in seconds, or null when the attempt no longer held the delivery. */
  async delivered(delivery: ClaimedDelivery, statusCode: number): Promise<number | null> {
    const [row] = await returningRows<{ latency_seconds: number }>(this.dataSource, DELIVERED_SQL, [
      delivery.eventSeq,
      delivery.endpointId,
      delivery.attempt,
      statusCode,
    ]);
    return row ? Number(row.latency_seconds) : null;
  }

  /** Records a failed attempt; null when the attempt no longer held the delivery. */
  async failed(
    delivery: ClaimedDelivery,
    failure: { statusCode?: number; error: string; giveUp: boolean; retryDelayMs: number; maxAgeMs: number },
  ): Promise<FailedAttemptOutcome | null> {
    const [row] = await returningRows<{ status: 'pending' | 'dead'; retry_in_ms: number }>(
      this.dataSource,
      FAILED_SQL,
      [
        delivery.eventSeq,
        delivery.endpointId,
        delivery.attempt,
        failure.statusCode ?? null,
        failure.giveUp,
        failure.retryDelayMs,
        failure.error.slice(0, 500),
        failure.maxAgeMs,
      ],
    );
    if (!row) return null;
    return row.status === 'dead'
      ? { status: 'dead' }
      : { status: 'pending', retryInMs: Number(row.retry_in_ms) };
  }

  /** Gives up attempted deliveries older than the maximum age (plus `graceMs`) that nobody retries. */
  async expire(maxAgeMs: number, graceMs: number) {
    return returningRows<{
      endpoint_id: string;
      event_id: string;
      attempts: number;
      last_error: string | null;
    }>(this.dataSource, EXPIRE_SQL, [maxAgeMs, graceMs]);
  }

  /** Every endpoint's backlog; one reading serves every caller for 200 ms (a scrape asks twice). */
  backlog(): Promise<EndpointBacklog[]> {
    const now = Date.now();
    if (this.backlogReading && now - this.backlogReading.at < BACKLOG_TTL_MS) return this.backlogReading.rows;
    const rows = this.dataSource
      .query(BACKLOG_SQL)
      .then((result: Array<{ endpoint_id: string; pending: number; oldest_age: number }>) =>
        result.map((row) => ({
          endpointId: row.endpoint_id,
          pending: Number(row.pending),
          oldestPendingAgeSeconds: Number(row.oldest_age),
        })),
      );
    this.backlogReading = { at: now, rows };
    rows.catch(() => (this.backlogReading = undefined));
    return rows;
  }

  /** How many deliveries each endpoint has in each status (a status it has none in is left out). */
  async countsByStatus(): Promise<DeliveryCount[]> {
    const rows: Array<{ endpoint_id: string; status: DeliveryStatus; n: number }> =
      await this.dataSource.query(DELIVERY_COUNTS_SQL);
    return rows.map((row) => ({ endpointId: row.endpoint_id, status: row.status, count: Number(row.n) }));
  }

  /** An endpoint's deliveries, newest first; `before` is the last page's cursor (an event sequence). */
  async list(
    endpointId: string,
    { status, limit, before }: { status?: DeliveryStatus; limit: number; before?: string },
  ): Promise<KeysetPage<DeliveryView>> {
    const rows: Array<DeliveryView & { seq: string }> = await this.dataSource.query(LIST_SQL, [
      endpointId,
      status ?? null,
      before ?? null,
      limit + 1,
    ]);
    const page = keysetPage(rows, limit, (row) => [row.seq]);
    return { ...page, items: page.items.map(({ seq: _seq, ...view }) => view) };
  }

  /** Makes a dead or delivered event pending again for the endpoint, due now. */
  async redeliver(endpointId: string, eventId: string): Promise<void> {
    const updated = await returningRows(this.dataSource, REDELIVER_SQL, [endpointId, eventId]);
    if (updated.length > 0) return;
    const [row]: Array<{ status: DeliveryStatus }> = await this.dataSource.query(DELIVERY_STATUS_SQL, [
      endpointId,
      eventId,
    ]);
    if (!row) throw new WebhookDeliveryNotFoundError(endpointId, eventId);
    throw new WebhookDeliveryPendingError(endpointId, eventId);
  }
}
