import { InvalidCursorError, isDatabaseUnavailable } from '@app/database';
import { ProductNotFoundError, StockLimitExceededError } from '@app/inventory';
import {
  IdempotencyKeyReusedError,
  MixedCurrenciesError,
  OrderAlreadyFinishedError,
  OrderNotCancellableError,
  OrderNotFoundError,
  WorkflowEngineUnavailableError,
} from '@app/orders';
import {
  WebhookDeliveryNotFoundError,
  WebhookDeliveryPendingError,
  WebhookEndpointNotFoundError,
  WebhookUrlRefusedError,
} from '@app/webhooks';
import { Catch, HttpException, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { errorBody, type ErrorBody } from './error-body';

type Translation = (error: Error) => ErrorBody;

/** Domain errors → HTTP. Anything not listed here and not an HttpException is a 500 without details. */
const DOMAIN_ERRORS: Array<[new (...args: never[]) => Error, Translation]> = [
  [OrderNotFoundError, (e) => errorBody(404, 'ORDER_NOT_FOUND', e.message)],
  [ProductNotFoundError, (e) => errorBody(404, 'PRODUCT_NOT_FOUND', e.message)],
  [OrderNotCancellableError, (e) => errorBody(409, 'ORDER_NOT_CANCELLABLE', e.message)],
  [OrderAlreadyFinishedError, (e) => errorBody(409, 'ORDER_ALREADY_FINISHED', e.message)],
  [
    IdempotencyKeyReusedError,
    (e) =>
      errorBody(422, 'IDEMPOTENCY_KEY_REUSED', e.message, [{ field: 'Idempotency-Key', message: e.message }]),
  ],
  [
    MixedCurrenciesError,
    (e) => errorBody(422, 'MIXED_CURRENCIES', e.message, [{ field: 'items', message: e.message }]),
  ],
  [
    StockLimitExceededError,
    (e) => errorBody(422, 'STOCK_LIMIT_EXCEEDED', e.message, [{ field: 'quantity', message: e.message }]),
  ],
  [WebhookEndpointNotFoundError, (e) => errorBody(404, 'WEBHOOK_ENDPOINT_NOT_FOUND', e.message)],
  [WebhookDeliveryNotFoundError, (e) => errorBody(404, 'WEBHOOK_DELIVERY_NOT_FOUND', e.message)],
  [WebhookDeliveryPendingError, (e) => errorBody(409, 'WEBHOOK_DELIVERY_PENDING', e.message)],
  [
    WebhookUrlRefusedError,
    (e) => errorBody(422, 'WEBHOOK_URL_REFUSED', e.message, [{ field: 'url', message: e.message }]),
  ],
  [
    InvalidCursorError,
    (e) => errorBody(400, 'INVALID_CURSOR', e.message, [{ field: 'cursor', message: e.message }]),
  ],
  [
    WorkflowEngineUnavailableError,
    () =>
      errorBody(
        503,
        'WORKFLOW_ENGINE_UNAVAILABLE',
        'Orders cannot be processed right now; retry with the same Idempotency-Key',
      ),
  ],
];

/** Writes every error as the API's JSON error body; logs only server-side failures. */
@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const body = errorBodyOf(exception);
    if (body.statusCode >= 500) {
      this.logger.error(
        exception instanceof Error ? (exception.stack ?? exception.message) : String(exception),
      );
    }
    if (body.statusCode === 503) void reply.header('retry-after', '5');
    void reply.status(body.statusCode).header('content-type', 'application/json; charset=utf-8').send(body);
  }
}

/** The JSON error body (status, code, message, fields) an error is answered with. */
export function errorBodyOf(exception: unknown): ErrorBody {
  if (exception instanceof HttpException) return fromHttpException(exception);
  if (exception instanceof Error) {
    const match = DOMAIN_ERRORS.find(([type]) => exception instanceof type);
    if (match) return match[1](exception);
    if (isDatabaseUnavailable(exception)) {
      return errorBody(503, 'DATABASE_UNAVAILABLE', 'The database is unavailable; retry shortly');
    }
  }
  return errorBody(500, 'INTERNAL_ERROR', 'An unexpected error occurred');
}

/** A failed handler's domain outcome in `http_handler_outcomes_total`: the error code the client reads. */
export const failureOutcomeOf = (exception: unknown): string => errorBodyOf(exception).code;

function fromHttpException(exception: HttpException): ErrorBody {
  const status = exception.getStatus();
  const response = exception.getResponse();
  if (typeof response === 'object' && response !== null && 'code' in response) return response as ErrorBody;
  const raw = typeof response === 'string' ? response : (response as { message?: unknown }).message;
  const message = Array.isArray(raw) ? raw.join('; ') : typeof raw === 'string' ? raw : exception.message;
  // Nest reports unknown routes as NotFoundException('Cannot GET /path').
  const code =
    status === 404 && message.startsWith('Cannot ')
      ? 'ROUTE_NOT_FOUND'
      : (STATUS_CODE_NAMES[status] ?? `HTTP_${status}`);
  return errorBody(status, code, message);
}

const STATUS_CODE_NAMES: Record<number, string> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'TOO_MANY_REQUESTS',
};
