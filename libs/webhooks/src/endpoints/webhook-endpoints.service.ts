import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { checkWebhookUrl } from '../webhook-url-policy';
import { WebhookEndpointNotFoundError } from '../webhooks.errors';
import { WEBHOOKS_OPTIONS, type ResolvedWebhooksOptions } from '../webhooks.options';
import type {
  RegisteredWebhookEndpoint,
  WebhookEndpoint,
  WebhookEndpointChanges,
  WebhookEndpointInput,
} from './webhook-endpoint';
import { WebhookEndpointsRepository } from './webhook-endpoints.repository';
import { generateWebhookSecret } from './webhook-secret';

/**
 * Operators' webhook endpoints. A URL is checked against the SSRF policy when it is registered or changed
 * (and the dispatcher checks the addresses it connects to again at every delivery).
 */
@Injectable()
export class WebhookEndpoints {
  constructor(
    private readonly repository: WebhookEndpointsRepository,
    @Inject(WEBHOOKS_OPTIONS) private readonly options: ResolvedWebhooksOptions,
  ) {}

  async create(input: WebhookEndpointInput): Promise<RegisteredWebhookEndpoint> {
    await checkWebhookUrl(input.url, this.options.urlPolicy, this.options.resolve);
    const secret = generateWebhookSecret();
    const endpoint = await this.repository.insert({
      id: randomUUID(),
      url: input.url,
      secret,
      eventTypes: [...new Set(input.eventTypes)],
      enabled: input.enabled ?? true,
      description: input.description ?? null,
    });
    return { ...endpoint, secret };
  }

  async list(): Promise<WebhookEndpoint[]> {
    return this.repository.list();
  }

  async get(id: string): Promise<WebhookEndpoint> {
    const endpoint = await this.repository.byId(id);
    if (!endpoint) throw new WebhookEndpointNotFoundError(id);
    return endpoint;
  }

  /** Changes what is given; a disabled endpoint gets no new events and holds its pending ones. */
  async update(id: string, changes: WebhookEndpointChanges): Promise<WebhookEndpoint> {
    if (changes.url !== undefined)
      await checkWebhookUrl(changes.url, this.options.urlPolicy, this.options.resolve);
    const endpoint = await this.repository.update(id, {
      ...changes,
      eventTypes: changes.eventTypes ? [...new Set(changes.eventTypes)] : undefined,
    });
    if (!endpoint) throw new WebhookEndpointNotFoundError(id);
    return endpoint;
  }

  /** Removes the endpoint with its deliveries (pending ones included: they will not be sent). */
  async remove(id: string): Promise<void> {
    if (!(await this.repository.delete(id))) throw new WebhookEndpointNotFoundError(id);
  }
}
