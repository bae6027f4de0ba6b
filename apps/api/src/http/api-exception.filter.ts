import { InvalidCursorError, isDatabaseUnavailable } from '@app/database';
import {
  ProductNotFoundError,
  RestockIdempotencyKeyReusedError,
  StockLimitExceededError,
} from '@app/inventory';
import { requestScopeOf } from '@app/observability/http/request-scope';
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
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from './api-error';
import type { ErrorCode } from './error-codes';
import { problemOfCode, type Problem } from './problem-details';
import { problemResponse } from './problem-response';

type Translation = (error: Error) => Problem;

/** Domain errors → problems. Anything not listed here and not an HttpException is a 500 without details. */
const DOMAIN_ERRORS: Array<[new (...args: never[]) => Error, Translation]> = [
  [OrderNotFoundError, (e) => problemOfCode('ORDER_NOT_FOUND', e.message)],
  [ProductNotFoundError, (e) => problemOfCode('PRODUCT_NOT_FOUND', e.message)],
  [OrderNotCancellableError, (e) => problemOfCode('ORDER_NOT_CANCELLABLE', e.message)],
  [OrderAlreadyFinishedError, (e) => problemOfCode('ORDER_ALREADY_FINISHED', e.message)],
  [
    IdempotencyKeyReusedError,
    (e) =>
      problemOfCode('IDEMPOTENCY_KEY_REUSED', e.message, [{ field: 'Idempotency-Key', message: e.message }]),
  ],
  [
    RestockIdempotencyKeyReusedError,
    (e) =>
      problemOfCode('IDEMPOTENCY_KEY_REUSED', e.message, [{ field: 'Idempotency-Key', message: e.message }]),
  ],
  [
    MixedCurrenciesError,
    (e) => problemOfCode('MIXED_CURRENCIES', e.message, [{ field: 'items', message: e.message }]),
  ],
  [
    StockLimitExceededError,
    (e) => problemOfCode('STOCK_LIMIT_EXCEEDED', e.message, [{ field: 'quantity', message: e.message }]),
  ],
  [WebhookEndpointNotFoundError, (e) => problemOfCode('WEBHOOK_ENDPOINT_NOT_FOUND', e.message)],
  [WebhookDeliveryNotFoundError, (e) => problemOfCode('WEBHOOK_DELIVERY_NOT_FOUND', e.message)],
  [WebhookDeliveryPendingError, (e) => problemOfCode('WEBHOOK_DELIVERY_PENDING', e.message)],
  [
    WebhookUrlRefusedError,
    (e) => problemOfCode('WEBHOOK_URL_REFUSED', e.message, [{ field: 'url', message: e.message }]),
  ],
  [
    InvalidCursorError,
    (e) => problemOfCode('INVALID_CURSOR', e.message, [{ field: 'cursor', message: e.message }]),
  ],
  [
    WorkflowEngineUnavailableError,
    () =>
      problemOfCode(
        'WORKFLOW_ENGINE_UNAVAILABLE',
        'Orders cannot be processed right now; retry with the same Idempotency-Key',
      ),
  ],
];

/** Seconds a client is told to wait after a 503 whose thrower set no `Retry-After` of its own. */
const RETRY_AFTER_SECONDS = '5';

/**
 * Answers every error as problem details (RFC 9457) for the request that failed: in the media type its
 * `Accept` asks for, with its path and trace id. Headers set on the reply before the error was thrown
 * (`WWW-Authenticate`, `Retry-After`) are kept. Logs only server-side failures.
 */
@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');

  /** @param typeBase `PROBLEM_TYPE_BASE`: where the pages of the error codes are published. */
  constructor(private readonly typeBase: string) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest | undefined>();
    const reply = http.getResponse<FastifyReply>();
    const problem = problemOf(exception);
    if (problem.status >= 500) {
      this.logger.error(
        exception instanceof Error ? (exception.stack ?? exception.message) : String(exception),
      );
    }
    if (problem.status === 503 && !reply.hasHeader('retry-after'))
      void reply.header('retry-after', RETRY_AFTER_SECONDS);
    const { contentType, payload } = problemResponse(problem, {
      typeBase: this.typeBase,
      url: request?.url,
      headers: request?.headers,
      traceId: request ? requestScopeOf(request).traceId : undefined,
    });
    void reply.status(problem.status).header('content-type', contentType).send(payload);
  }
}

/** The problem (status, code, detail, field problems) an error is answered with. */
export function problemOf(exception: unknown): Problem {
  if (exception instanceof ApiError) return exception.problem;
  if (exception instanceof HttpException) return fromHttpException(exception);
  if (exception instanceof Error) {
    const match = DOMAIN_ERRORS.find(([type]) => exception instanceof type);
    if (match) return match[1](exception);
    if (isDatabaseUnavailable(exception))
      return problemOfCode('DATABASE_UNAVAILABLE', 'The database is unavailable; retry shortly');
  }
  return problemOfCode('INTERNAL_ERROR', 'An unexpected error occurred');
}

/** A failed handler's domain outcome in `http_handler_outcomes_total`: the error code the client reads. */
export const failureOutcomeOf = (exception: unknown): string => problemOf(exception).code;

/** Nest's own exceptions and Fastify's errors (malformed JSON, 413, 415…), which Nest maps to them. */
function fromHttpException(exception: HttpException): Problem {
  const status = exception.getStatus();
  const response = exception.getResponse();
  const raw = typeof response === 'string' ? response : (response as { message?: unknown }).message;
  const message = Array.isArray(raw) ? raw.join('; ') : typeof raw === 'string' ? raw : exception.message;
  // Nest reports unknown routes as NotFoundException('Cannot GET /path?query'): the path only.
  if (status === 404 && message.startsWith('Cannot '))
    return problemOfCode('ROUTE_NOT_FOUND', message.split('?', 1)[0]);
  // JSON.parse's message quotes the body it could not parse.
  const detail = exception.cause instanceof SyntaxError ? 'The request body is not valid JSON' : message;
  const code = STATUS_CODE_NAMES[status];
  return code ? problemOfCode(code, detail) : { status, code: `HTTP_${status}`, detail };
}

const STATUS_CODE_NAMES: Partial<Record<number, ErrorCode>> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'TOO_MANY_REQUESTS',
};
