import { returningRows } from '@app/database';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { WebhookEventType } from '../webhook-events';
import type { WebhookEndpoint, WebhookEndpointChanges } from './webhook-endpoint';
import { WEBHOOK_ENDPOINTS_SQL } from './webhook-endpoints.sql';

/** An endpoint as it is written when registered. */
export interface NewWebhookEndpoint {
  id: string;
  url: string;
  secret: string;
  eventTypes: WebhookEventType[];
  enabled: boolean;
  description: string | null;
}

/** What the debug view shows of an endpoint. */
export interface WebhookEndpointOverview {
  id: string;
  url: string;
  enabled: boolean;
  eventTypes: string[];
}

/** The `webhook_endpoints` table, read and written with the statements of `webhook-endpoints.sql.ts` only. */
@Injectable()
export class WebhookEndpointsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** The endpoint as written (without its secret); repository reads give each end as stored. */
  async insert(endpoint: NewWebhookEndpoint): Promise<WebhookEndpoint> {
    const [row] = await returningRows<WebhookEndpoint>(this.dataSource, WEBHOOK_ENDPOINTS_SQL.insert, [
      endpoint.id,
      endpoint.url,
      endpoint.secret,
      endpoint.eventTypes,
      endpoint.enabled,
      endpoint.description,
    ]);
    return row;
  }

  /** Every endpoint, in registration order. */
  async list(): Promise<WebhookEndpoint[]> {
    return this.dataSource.query(WEBHOOK_ENDPOINTS_SQL.list);
  }

  async byId(id: string): Promise<WebhookEndpoint | null> {
    const [row]: WebhookEndpoint[] = await this.dataSource.query(WEBHOOK_ENDPOINTS_SQL.byId, [id]);
    return row ?? null;
  }

  /** Writes what `changes` gives (a description given as null clears it); null when there is no such endpoint. */
  async update(id: string, changes: WebhookEndpointChanges): Promise<WebhookEndpoint | null> {
    const [row] = await returningRows<WebhookEndpoint>(this.dataSource, WEBHOOK_ENDPOINTS_SQL.update, [
      id,
      changes.url ?? null,
      changes.eventTypes ?? null,
      changes.enabled ?? null,
      changes.description !== undefined,
      changes.description ?? null,
    ]);
    return row ?? null;
  }

  /**
   * Signs the endpoint's deliveries with `secret` from now on, and with the secret it replaces for `graceMs`
   * more; ends the former signature. Null when there is no such endpoint.
   */
  async rotateSecret(
    id: string,
    secret: string,
    graceMs: number,
  ): Promise<{ previousSecretExpiresAt: string } | null> {
    const [row] = await returningRows<{ previousSecretExpiresAt: string }>(
      this.dataSource,
      WEBHOOK_ENDPOINTS_SQL.rotateSecret,
      [id, secret, graceMs],
    );
    return row ?? null;
  }

  /** Deletes the endpoint and its deliveries; false when there was no such endpoint. */
  async delete(id: string): Promise<boolean> {
    const deleted = await returningRows(this.dataSource, WEBHOOK_ENDPOINTS_SQL.delete, [id]);
    return deleted.length > 0;
  }

  /** Every endpoint's id, URL, state and event types, in registration order. */
  async overview(): Promise<WebhookEndpointOverview[]> {
    return this.dataSource.query(WEBHOOK_ENDPOINTS_SQL.overview);
  }
}
