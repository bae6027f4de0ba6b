import type { Principal } from '@app/auth';
import { decodeCursor } from '@app/database';
import { AuditLog } from '@app/observability';
import {
  WebhookDeliveries,
  WebhookEndpoints,
  type RegisteredWebhookEndpoint,
  type RotatedWebhookSecret,
  type WebhookEndpoint,
} from '@app/webhooks';
import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { Caller, OperatorRoute } from '../auth/auth.decorators';
import { uuidPipe } from '../http/request-parsing';
import { CreateWebhookEndpointDto, UpdateWebhookEndpointDto } from './dto/webhook-endpoint.dto';
import {
  ListWebhookDeliveriesQueryDto,
  RedeliveryResponse,
  RegisteredWebhookEndpointResponse,
  RotatedWebhookSecretResponse,
  WebhookDeliveryPageResponse,
  WebhookEndpointListResponse,
  WebhookEndpointResponse,
} from './dto/webhook-endpoint.response';

const DEFAULT_PAGE_SIZE = 50;
const idPipe = uuidPipe('id');

/**
 * Operators register the endpoints order events are delivered to, rotate their signing secrets, watch
 * their deliveries and redeliver what died. Every change is an audit event naming the operator (the token's
 * `sub`); secrets are never logged and shown only in the answer that creates them (registration, rotation).
 */
@ApiTags('webhooks')
@OperatorRoute()
@ApiNotFoundResponse({ description: 'No such endpoint (or event)' })
@Controller('admin/webhooks')
export class WebhooksController {
  constructor(
    private readonly endpoints: WebhookEndpoints,
    private readonly deliveries: WebhookDeliveries,
    private readonly audit: AuditLog,
  ) {}

  @Post()
  @ApiOperation({ summary: 'Register an endpoint; the answer carries its signing secret, shown this once' })
  @ApiCreatedResponse({ type: RegisteredWebhookEndpointResponse })
  @ApiUnprocessableEntityResponse({ description: 'The URL is refused (https required, private address, …)' })
  async create(
    @Caller() operator: Principal,
    @Body() body: CreateWebhookEndpointDto,
  ): Promise<RegisteredWebhookEndpoint> {
    const endpoint = await this.endpoints.create(body);
    this.record('webhook-endpoint-created', operator, endpoint);
    return endpoint;
  }

  @Get()
  @ApiOperation({ summary: 'Every registered endpoint (without secrets)' })
  @ApiOkResponse({ type: WebhookEndpointListResponse })
  async list(): Promise<{ items: WebhookEndpoint[] }> {
    return { items: await this.endpoints.list() };
  }

  @Get(':id')
  @ApiOperation({ summary: 'One endpoint (without its secret)' })
  @ApiOkResponse({ type: WebhookEndpointResponse })
  get(@Param('id', idPipe) id: string): Promise<WebhookEndpoint> {
    return this.endpoints.get(id);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change the URL, the event types, enabled or the description' })
  @ApiOkResponse({ type: WebhookEndpointResponse })
  @ApiUnprocessableEntityResponse({ description: 'The new URL is refused' })
  async update(
    @Caller() operator: Principal,
    @Param('id', idPipe) id: string,
    @Body() body: UpdateWebhookEndpointDto,
  ): Promise<WebhookEndpoint> {
    const endpoint = await this.endpoints.update(id, body);
    this.record('webhook-endpoint-updated', operator, endpoint, {
      'webhook.changed': Object.keys(body).join(','),
    });
    return endpoint;
  }

  @Post(':id/disable')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Pause an endpoint: no new events for it; its pending ones wait until it is enabled',
  })
  @ApiOkResponse({ type: WebhookEndpointResponse })
  async disable(@Caller() operator: Principal, @Param('id', idPipe) id: string): Promise<WebhookEndpoint> {
    const endpoint = await this.endpoints.update(id, { enabled: false });
    this.record('webhook-endpoint-disabled', operator, endpoint);
    return endpoint;
  }

  @Post(':id/enable')
  @HttpCode(200)
  @ApiOperation({ summary: 'Resume a disabled endpoint' })
  @ApiOkResponse({ type: WebhookEndpointResponse })
  async enable(@Caller() operator: Principal, @Param('id', idPipe) id: string): Promise<WebhookEndpoint> {
    const endpoint = await this.endpoints.update(id, { enabled: true });
    this.record('webhook-endpoint-enabled', operator, endpoint);
    return endpoint;
  }

  @Post(':id/rotate-secret')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Give the endpoint a new signing secret, shown this once; deliveries are signed with both until the replaced one expires',
  })
  @ApiOkResponse({ type: RotatedWebhookSecretResponse })
  async rotateSecret(
    @Caller() operator: Principal,
    @Param('id', idPipe) id: string,
  ): Promise<RotatedWebhookSecret> {
    const rotated = await this.endpoints.rotateSecret(id);
    // Who rotated which endpoint's secret, and until when the replaced one signs: never a secret.
    this.audit.record('webhook-endpoint-secret-rotated', {
      'user.id': operator.subject,
      'webhook.endpoint_id': id,
      'webhook.previous_secret_expires_at': rotated.previousSecretExpiresAt,
    });
    return rotated;
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete an endpoint with its deliveries (pending ones are not sent)' })
  @ApiNoContentResponse()
  async remove(@Caller() operator: Principal, @Param('id', idPipe) id: string): Promise<void> {
    await this.endpoints.remove(id);
    this.audit.record('webhook-endpoint-deleted', { 'user.id': operator.subject, 'webhook.endpoint_id': id });
  }

  @Get(':id/deliveries')
  @ApiOperation({ summary: "An endpoint's deliveries, newest event first, optionally of one status" })
  @ApiOkResponse({ type: WebhookDeliveryPageResponse })
  async deliveriesOf(
    @Param('id', idPipe) id: string,
    @Query() query: ListWebhookDeliveriesQueryDto,
  ): Promise<WebhookDeliveryPageResponse> {
    await this.endpoints.get(id);
    return this.deliveries.list(id, {
      status: query.status,
      limit: query.limit ?? DEFAULT_PAGE_SIZE,
      before: query.cursor ? decodeCursor(query.cursor, 1)[0] : undefined,
    });
  }

  @Post(':id/deliveries/:eventId/redeliver')
  @HttpCode(202)
  @ApiOperation({ summary: 'Deliver a dead (or delivered) event again: pending, due now, retried as new' })
  @ApiAcceptedResponse({ type: RedeliveryResponse })
  @ApiConflictResponse({ description: 'The event is still pending for this endpoint' })
  async redeliver(
    @Caller() operator: Principal,
    @Param('id', idPipe) id: string,
    @Param('eventId', uuidPipe('eventId')) eventId: string,
  ): Promise<RedeliveryResponse> {
    await this.endpoints.get(id);
    await this.deliveries.redeliver(id, eventId);
    this.audit.record('webhook-event-redelivered', {
      'user.id': operator.subject,
      'webhook.endpoint_id': id,
      'webhook.event_id': eventId,
    });
    return { eventId, status: 'pending' };
  }

  private record(
    action: string,
    operator: Principal,
    endpoint: WebhookEndpoint,
    extra: Record<string, unknown> = {},
  ) {
    this.audit.record(action, {
      'user.id': operator.subject,
      'webhook.endpoint_id': endpoint.id,
      'webhook.event_types': endpoint.eventTypes.join(','),
      'webhook.enabled': endpoint.enabled,
      'url.domain': new URL(endpoint.url).hostname,
      ...extra,
    });
  }
}
