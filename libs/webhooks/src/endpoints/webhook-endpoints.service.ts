import { randomUUID } from 'node:crypto';
import { returningRows } from '@app/database';
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { checkWebhookUrl } from '../webhook-url-policy';
import { WebhookEndpointNotFoundError } from '../webhooks.errors';
import { WEBHOOKS_OPTIONS, type ResolvedWebhooksOptions } from '../webhooks.options';
import type {
  RegisteredWebhookEndpoint,
  WebhookEndpoint,
  WebhookEndpointChanges,
  WebhookEndpointInput,
} from './webhook-endpoint';
import { generateWebhookSecret } from './webhook-secret';

const iso = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
const COLUMNS = `id, url, event_types AS "eventTypes", enabled, description,
  ${iso('created_at')} AS "createdAt", ${iso('updated_at')} AS "updatedAt"`;

/**
 * Operators' webhook endpoints. A URL is checked against the SSRF policy when it is registered or changed
 * (and the dispatcher checks the addresses it connects to again at every delivery).
 */
@Injectable()
export class WebhookEndpoints {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(WEBHOOKS_OPTIONS) private readonly options: ResolvedWebhooksOptions,
  ) {}

  async create(input: WebhookEndpointInput): Promise<RegisteredWebhookEndpoint> {
    await checkWebhookUrl(input.url, this.options.urlPolicy, this.options.resolve);
    const secret = generateWebhookSecret();
    const [endpoint] = await returningRows<WebhookEndpoint>(
      this.dataSource,
      `INSERT INTO webhook_endpoints (id, url, secret, event_types, enabled, description)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${COLUMNS}`,
      [
        randomUUID(),
        input.url,
        secret,
        [...new Set(input.eventTypes)],
        input.enabled ?? true,
        input.description ?? null,
      ],
    );
    return { ...endpoint, secret };
  }

  async list(): Promise<WebhookEndpoint[]> {
    return this.dataSource.query(`SELECT ${COLUMNS} FROM webhook_endpoints ORDER BY created_at, id`);
  }

  async get(id: string): Promise<WebhookEndpoint> {
    const [endpoint]: WebhookEndpoint[] = await this.dataSource.query(
      `SELECT ${COLUMNS} FROM webhook_endpoints WHERE id = $1`,
      [id],
    );
    if (!endpoint) throw new WebhookEndpointNotFoundError(id);
    return endpoint;
  }

  /** Changes what is given; a disabled endpoint gets no new events and holds its pending ones. */
  async update(id: string, changes: WebhookEndpointChanges): Promise<WebhookEndpoint> {
    if (changes.url !== undefined)
      await checkWebhookUrl(changes.url, this.options.urlPolicy, this.options.resolve);
    const [endpoint] = await returningRows<WebhookEndpoint>(
      this.dataSource,
      `UPDATE webhook_endpoints
          SET url = COALESCE($2, url), event_types = COALESCE($3, event_types), enabled = COALESCE($4, enabled),
              description = CASE WHEN $5 THEN $6 ELSE description END, updated_at = now()
        WHERE id = $1 RETURNING ${COLUMNS}`,
      [
        id,
        changes.url ?? null,
        changes.eventTypes ? [...new Set(changes.eventTypes)] : null,
        changes.enabled ?? null,
        changes.description !== undefined,
        changes.description ?? null,
      ],
    );
    if (!endpoint) throw new WebhookEndpointNotFoundError(id);
    return endpoint;
  }

  /** Removes the endpoint with its deliveries (pending ones included: they will not be sent). */
  async remove(id: string): Promise<void> {
    const deleted = await returningRows(
      this.dataSource,
      'DELETE FROM webhook_endpoints WHERE id = $1 RETURNING id',
      [id],
    );
    if (deleted.length === 0) throw new WebhookEndpointNotFoundError(id);
  }
}
