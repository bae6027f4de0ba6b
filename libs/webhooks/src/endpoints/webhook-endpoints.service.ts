import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { checkWebhookUrl } from '../webhook-url-policy';
import { WebhookEndpointNotFoundError } from '../webhooks.errors';
import { WEBHOOKS_OPTIONS, type ResolvedWebhooksOptions } from '../webhooks.options';
import type {
  RegisteredWebhookEndpoint,
  RotatedWebhookSecret,
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
    return { ...this.present(endpoint), secret };
  }

  async list(): Promise<WebhookEndpoint[]> {
    return (await this.repository.list()).map((endpoint) => this.present(endpoint));
  }

  async get(id: string): Promise<WebhookEndpoint> {
    const endpoint = await this.repository.byId(id);
    if (!endpoint) throw new WebhookEndpointNotFoundError(id);
    return this.present(endpoint);
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
    return this.present(endpoint);
  }

  /**
   * Gives the endpoint a new secret, returned this once. For the rotation grace, deliveries are signed with
   * both (`v1,<new> v1,<replaced>`), so the receiver can switch to the new one in its own time; a second
   * rotation within the grace replaces the secret the first one gave (two secrets at most). The former
   * signature, if the endpoint still got it, stops.
   */
  async rotateSecret(id: string): Promise<RotatedWebhookSecret> {
    const secret = generateWebhookSecret();
    const rotated = await this.repository.rotateSecret(id, secret, this.options.signing.rotationGraceMs);
    if (!rotated) throw new WebhookEndpointNotFoundError(id);
    return { secret, previousSecretExpiresAt: rotated.previousSecretExpiresAt };
  }

  /** Removes the endpoint with its deliveries (pending ones included: they will not be sent). */
  async remove(id: string): Promise<void> {
    if (!(await this.repository.delete(id))) throw new WebhookEndpointNotFoundError(id);
  }

  /** The endpoint with the ends that still lie ahead: the configured end of the former signature, if set. */
  private present(endpoint: WebhookEndpoint, now = Date.now()): WebhookEndpoint {
    const ahead = (at: string | null) => (at !== null && Date.parse(at) > now ? at : null);
    const override = this.options.signing.legacySignaturesUntil;
    const legacyUntil =
      endpoint.legacySignatureUntil !== null && override
        ? override.toISOString()
        : endpoint.legacySignatureUntil;
    return {
      ...endpoint,
      previousSecretExpiresAt: ahead(endpoint.previousSecretExpiresAt),
      legacySignatureUntil: ahead(legacyUntil),
    };
  }
}
