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
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import { Caller, OperatorRoute } from '../auth/auth.decorators';
import { uuidPipe } from '../http/request-parsing';
import { JSON_BODY_PROBLEMS, ProblemResponses, unavailable } from '../openapi/problem-responses.decorator';
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

const EndpointIdParam = () =>
  ApiParam({ name: 'id', description: 'The endpoint', schema: { type: 'string', format: 'uuid' } });
const INVALID_ID = { status: 400, description: 'The id is not a UUID (VALIDATION_FAILED)' } as const;
const NO_SUCH_ENDPOINT = {
  status: 404,
  description: 'No such endpoint (WEBHOOK_ENDPOINT_NOT_FOUND)',
} as const;
const INVALID_BODY = {
  status: 400,
  description:
    'A field is not valid (VALIDATION_FAILED; `errors` names each), or the body is not readable JSON (BAD_REQUEST)',
} as const;
const URL_REFUSED = {
  status: 422,
  description:
    'The URL is refused by the policy (WEBHOOK_URL_REFUSED): https required, no credentials, no private, ' +
    'loopback, link-local or metadata address',
} as const;
const UNAVAILABLE = unavailable(['database', 'token issuer']);

/**
 * Operators register the endpoints order events are delivered to, rotate their signing secrets, watch
 * their deliveries and redeliver what died. Every change is an audit event naming the operator (the token's
 * `sub`); secrets are never logged and shown only in the answer that creates them (registration, rotation).
 */
@ApiTags('webhooks')
@OperatorRoute()
@Controller('admin/webhooks')
export class WebhooksController {
  constructor(
    private readonly endpoints: WebhookEndpoints,
    private readonly deliveries: WebhookDeliveries,
    private readonly audit: AuditLog,
  ) {}

  @Post()
  @ApiOperation({
    operationId: 'createWebhookEndpoint',
    summary: 'Register an endpoint; the answer carries its signing secret, shown this once',
  })
  @ApiCreatedResponse({
    type: RegisteredWebhookEndpointResponse,
    description: 'Registered; keep `secret` to verify deliveries: it is never shown again',
  })
  @ProblemResponses(INVALID_BODY, ...JSON_BODY_PROBLEMS, URL_REFUSED, UNAVAILABLE)
  async create(
    @Caller() operator: Principal,
    @Body() body: CreateWebhookEndpointDto,
  ): Promise<RegisteredWebhookEndpoint> {
    const endpoint = await this.endpoints.create(body);
    this.record('webhook-endpoint-created', operator, endpoint);
    return endpoint;
  }

  @Get()
  @ApiOperation({
    operationId: 'listWebhookEndpoints',
    summary: 'Every registered endpoint (without secrets)',
  })
  @ApiOkResponse({ type: WebhookEndpointListResponse, description: 'Every endpoint' })
  @ProblemResponses(UNAVAILABLE)
  async list(): Promise<{ items: WebhookEndpoint[] }> {
    return { items: await this.endpoints.list() };
  }

  @Get(':id')
  @ApiOperation({ operationId: 'getWebhookEndpoint', summary: 'One endpoint (without its secret)' })
  @EndpointIdParam()
  @ApiOkResponse({ type: WebhookEndpointResponse, description: 'The endpoint' })
  @ProblemResponses(INVALID_ID, NO_SUCH_ENDPOINT, UNAVAILABLE)
  get(@Param('id', idPipe) id: string): Promise<WebhookEndpoint> {
    return this.endpoints.get(id);
  }

  @Patch(':id')
  @ApiOperation({
    operationId: 'updateWebhookEndpoint',
    summary: 'Change the URL, the event types, enabled or the description',
  })
  @EndpointIdParam()
  @ApiOkResponse({ type: WebhookEndpointResponse, description: 'The endpoint as changed' })
  @ProblemResponses(
    {
      status: 400,
      description:
        'The id or a field is not valid (VALIDATION_FAILED; `errors` names each), or the body is not ' +
        'readable JSON (BAD_REQUEST)',
    },
    NO_SUCH_ENDPOINT,
    ...JSON_BODY_PROBLEMS,
    URL_REFUSED,
    UNAVAILABLE,
  )
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
    operationId: 'disableWebhookEndpoint',
    summary: 'Pause an endpoint: no new events for it; its pending ones wait until it is enabled',
  })
  @EndpointIdParam()
  @ApiOkResponse({ type: WebhookEndpointResponse, description: 'The endpoint, disabled' })
  @ProblemResponses(INVALID_ID, NO_SUCH_ENDPOINT, UNAVAILABLE)
  async disable(@Caller() operator: Principal, @Param('id', idPipe) id: string): Promise<WebhookEndpoint> {
    const endpoint = await this.endpoints.update(id, { enabled: false });
    this.record('webhook-endpoint-disabled', operator, endpoint);
    return endpoint;
  }

  @Post(':id/enable')
  @HttpCode(200)
  @ApiOperation({ operationId: 'enableWebhookEndpoint', summary: 'Resume a disabled endpoint' })
  @EndpointIdParam()
  @ApiOkResponse({ type: WebhookEndpointResponse, description: 'The endpoint, enabled' })
  @ProblemResponses(INVALID_ID, NO_SUCH_ENDPOINT, UNAVAILABLE)
  async enable(@Caller() operator: Principal, @Param('id', idPipe) id: string): Promise<WebhookEndpoint> {
    const endpoint = await this.endpoints.update(id, { enabled: true });
    this.record('webhook-endpoint-enabled', operator, endpoint);
    return endpoint;
  }

  @Post(':id/rotate-secret')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'rotateWebhookEndpointSecret',
    summary:
      'Give the endpoint a new signing secret, shown this once; deliveries are signed with both until the replaced one expires',
  })
  @EndpointIdParam()
  @ApiOkResponse({
    type: RotatedWebhookSecretResponse,
    description: 'The new secret (never shown again) and until when the replaced one still signs',
  })
  @ProblemResponses(INVALID_ID, NO_SUCH_ENDPOINT, UNAVAILABLE)
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
  @ApiOperation({
    operationId: 'deleteWebhookEndpoint',
    summary: 'Delete an endpoint with its deliveries (pending ones are not sent)',
  })
  @EndpointIdParam()
  @ApiNoContentResponse({ description: 'Deleted' })
  @ProblemResponses(INVALID_ID, NO_SUCH_ENDPOINT, UNAVAILABLE)
  async remove(@Caller() operator: Principal, @Param('id', idPipe) id: string): Promise<void> {
    await this.endpoints.remove(id);
    this.audit.record('webhook-endpoint-deleted', { 'user.id': operator.subject, 'webhook.endpoint_id': id });
  }

  @Get(':id/deliveries')
  @ApiOperation({
    operationId: 'listWebhookDeliveries',
    summary: "An endpoint's deliveries, newest event first, optionally of one status",
  })
  @EndpointIdParam()
  @ApiOkResponse({
    type: WebhookDeliveryPageResponse,
    description: 'A page of deliveries; `nextCursor` fetches the next',
  })
  @ProblemResponses(
    {
      status: 400,
      description:
        'The id, the status or the limit is not valid (VALIDATION_FAILED), or the cursor is not one this ' +
        'list handed out (INVALID_CURSOR); `errors` names it',
    },
    NO_SUCH_ENDPOINT,
    UNAVAILABLE,
  )
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
  @ApiOperation({
    operationId: 'redeliverWebhookEvent',
    summary: 'Deliver a dead (or delivered) event again: pending, due now, retried as new',
  })
  @EndpointIdParam()
  @ApiParam({
    name: 'eventId',
    description: 'The event (`webhook-id`)',
    schema: { type: 'string', format: 'uuid' },
  })
  @ApiAcceptedResponse({ type: RedeliveryResponse, description: 'Pending again, due now; an audit event' })
  @ProblemResponses(
    { status: 400, description: 'The id or the eventId is not a UUID (VALIDATION_FAILED)' },
    {
      status: 404,
      description:
        'No such endpoint (WEBHOOK_ENDPOINT_NOT_FOUND), or the endpoint never had this event ' +
        '(WEBHOOK_DELIVERY_NOT_FOUND)',
    },
    { status: 409, description: 'The event is still pending for this endpoint (WEBHOOK_DELIVERY_PENDING)' },
    UNAVAILABLE,
  )
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
