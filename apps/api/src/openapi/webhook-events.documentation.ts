import { WEBHOOK_EVENT_TYPES, WEBHOOK_HEADERS, type WebhookEventType } from '@app/webhooks';
import {
  ApiProperty,
  ApiSchema,
  getSchemaPath,
  type OperationObject,
  type ParameterObject,
  type PathItemObject,
} from '@nestjs/swagger';
import { OrderResponse } from '../orders/dto/order.response';

/** What happened, by event type: the first line of each webhook's documentation. */
const WHAT_HAPPENED: Record<WebhookEventType, string> = {
  'order.created': 'An order was accepted (`POST /orders`, status `PENDING`)',
  'order.completed': 'An order moved to `COMPLETED`',
  'order.failed': 'An order moved to `FAILED` (its `failureReason` says why)',
  'order.cancelled': 'An order moved to `CANCELLED`',
  'payment.captured': 'An order’s payment was captured and the order moved to `PAID`',
  'payment.refunded': 'An order’s payment was refunded (a compensation: shipping failed, or a cancellation)',
  'shipment.created': 'An order’s shipment was booked and the order moved to `SHIPPED`',
};

/** What a webhook event is about: the order. */
export class WebhookEventData {
  @ApiProperty({
    type: OrderResponse,
    description:
      'The order’s public view exactly as the change left it (what `getOrder` answers); no card data',
  })
  order!: OrderResponse;
}

/** The JSON body of every webhook delivery (libs/webhooks `WebhookPayload`), documented. */
@ApiSchema({
  name: 'WebhookEvent',
  description:
    'The body of every webhook delivery: the same for every attempt of an event, signed as sent — verify ' +
    'the signature over the raw body before parsing it.',
})
export class WebhookEventSchema {
  @ApiProperty({
    format: 'uuid',
    description: 'The event id, also in `webhook-id`: stable across attempts, de-duplicate on it',
  })
  id!: string;

  @ApiProperty({ enum: WEBHOOK_EVENT_TYPES, enumName: 'WebhookEventType', description: 'What happened' })
  type!: WebhookEventType;

  @ApiProperty({ format: 'date-time', description: 'When it happened' })
  createdAt!: string;

  @ApiProperty({ type: WebhookEventData })
  data!: WebhookEventData;
}

/** The headers of every delivery, as the receiver's request parameters. */
const DELIVERY_HEADERS: ParameterObject[] = [
  {
    name: WEBHOOK_HEADERS.id,
    in: 'header',
    required: true,
    description: 'The event id (the body’s `id`), the same in every attempt: de-duplicate on it',
    schema: { type: 'string', format: 'uuid' },
  },
  {
    name: WEBHOOK_HEADERS.timestamp,
    in: 'header',
    required: true,
    description:
      'When this attempt was signed, in unix seconds: refuse a request whose timestamp is far from your clock ' +
      '(the Standard Webhooks libraries allow 5 minutes), so a captured request cannot be replayed',
    schema: { type: 'integer', minimum: 0 },
    example: 1764583502,
  },
  {
    name: WEBHOOK_HEADERS.signature,
    in: 'header',
    required: true,
    description:
      'Standard Webhooks signatures, space-separated: `v1,` and the base64 HMAC-SHA256 of ' +
      '`<webhook-id>.<webhook-timestamp>.<raw body>`, keyed with the bytes the endpoint’s secret encodes ' +
      '(the base64 after `whsec_`). While a rotated secret is still honoured, one signature per secret, the ' +
      'new one first: accept the request when any of them verifies. Any Standard Webhooks library verifies it.',
    schema: { type: 'string', pattern: '^v1,[A-Za-z0-9+/]+={0,2}( v1,[A-Za-z0-9+/]+={0,2})*$' },
    example: 'v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=',
  },
  {
    name: WEBHOOK_HEADERS.attempt,
    in: 'header',
    required: true,
    description: 'Which attempt this is: 1, then 2, … for the retries of the same event',
    schema: { type: 'integer', minimum: 1 },
  },
  {
    name: WEBHOOK_HEADERS.legacySignature,
    in: 'header',
    required: false,
    deprecated: true,
    description:
      'The signature deliveries had before Standard Webhooks, `t=<timestamp>,v1=<hex HMAC-SHA256 of ' +
      '"<timestamp>.<raw body>">` keyed with the secret’s whole text: only to endpoints registered before ' +
      'that change, until their secret is rotated',
    schema: { type: 'string' },
  },
  {
    name: 'traceparent',
    in: 'header',
    required: false,
    description: 'W3C trace context of the delivery, when it is traced',
    schema: { type: 'string', pattern: '^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$' },
  },
];

const RETRIED =
  'Retried later, with exponential backoff and jitter, until the event is too old; then the delivery is dead';

/** `order.created` → `onOrderCreated`: the operation a receiver implements. */
function operationIdOf(type: WebhookEventType): string {
  return `on${type
    .split('.')
    .map((part) => part[0].toUpperCase() + part.slice(1))
    .join('')}`;
}

function webhookOperation(type: WebhookEventType): OperationObject {
  return {
    operationId: operationIdOf(type),
    summary: `${type}: ${WHAT_HAPPENED[type].replace(/^An/, 'an')}`,
    description:
      `${WHAT_HAPPENED[type]}. Sent as a \`POST\` to every enabled endpoint subscribed to \`${type}\` ` +
      '(`createWebhookEndpoint`), from a transactional outbox: at least once, and in order for each order. ' +
      'No answer within the timeout, a refused connection or a reset is retried like a 5xx; redirects are ' +
      'not followed.',
    tags: ['webhook events'],
    // The request is authenticated by its signature (webhook-signature), not by an HTTP security scheme.
    security: [],
    parameters: DELIVERY_HEADERS,
    requestBody: {
      required: true,
      content: {
        'application/json': {
          schema: {
            allOf: [
              { $ref: getSchemaPath(WebhookEventSchema) },
              { type: 'object', properties: { type: { type: 'string', enum: [type] } }, required: ['type'] },
            ],
          },
        },
      },
    },
    responses: {
      '2XX': { description: 'Taken: the delivery is done (the answer’s body is not read)' },
      '408': { description: RETRIED },
      '429': { description: RETRIED },
      '4XX': {
        description:
          'Refused for good: the delivery is dead at once; an operator can redeliver it (`redeliverWebhookEvent`)',
      },
      '5XX': { description: RETRIED },
    },
  };
}

/** The OpenAPI 3.1 `webhooks` of the document: one per event type, what endpoints receive. */
export function webhookDocumentation(): Record<string, PathItemObject> {
  return Object.fromEntries(WEBHOOK_EVENT_TYPES.map((type) => [type, { post: webhookOperation(type) }]));
}
