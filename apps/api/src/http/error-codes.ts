/** What the table says of one error code: the status it is answered with and its one short title. */
export interface ErrorCodeEntry {
  readonly status: number;
  readonly title: string;
}

/**
 * Every error code the API answers with, its status and its title (a problem's `title`). Each has a page,
 * `docs/errors/<code in lower-kebab-case>.md`, which is where a problem's `type` points; a unit test
 * keeps the table and the pages in step.
 */
export const ERROR_CODES = {
  VALIDATION_FAILED: { status: 400, title: 'Invalid request' },
  BAD_REQUEST: { status: 400, title: 'Unreadable request body' },
  MALFORMED_REQUEST: { status: 400, title: 'Malformed HTTP request' },
  FST_ERR_BAD_URL: { status: 400, title: 'Malformed request path' },
  INVALID_CURSOR: { status: 400, title: 'Invalid cursor' },
  AUTHENTICATION_REQUIRED: { status: 401, title: 'Authentication required' },
  INVALID_TOKEN: { status: 401, title: 'Invalid access token' },
  INVALID_REQUEST: { status: 401, title: 'Access token outside the Authorization header' },
  UNAUTHORIZED: { status: 401, title: 'Unauthorized' },
  INSUFFICIENT_SCOPE: { status: 403, title: 'Insufficient scope' },
  FORBIDDEN: { status: 403, title: 'Forbidden' },
  ORDER_NOT_FOUND: { status: 404, title: 'Order not found' },
  PRODUCT_NOT_FOUND: { status: 404, title: 'Product not found' },
  WEBHOOK_ENDPOINT_NOT_FOUND: { status: 404, title: 'Webhook endpoint not found' },
  WEBHOOK_DELIVERY_NOT_FOUND: { status: 404, title: 'Webhook delivery not found' },
  ROUTE_NOT_FOUND: { status: 404, title: 'No such route' },
  NOT_FOUND: { status: 404, title: 'Not found' },
  METHOD_NOT_ALLOWED: { status: 405, title: 'Method not allowed' },
  REQUEST_TIMEOUT: { status: 408, title: 'Request timeout' },
  ORDER_NOT_CANCELLABLE: { status: 409, title: 'Order no longer cancellable' },
  ORDER_ALREADY_FINISHED: { status: 409, title: 'Order already finished' },
  WEBHOOK_DELIVERY_PENDING: { status: 409, title: 'Webhook delivery still pending' },
  PAYLOAD_TOO_LARGE: { status: 413, title: 'Request body too large' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'Unsupported media type' },
  FST_ERR_MAX_PARAM_LENGTH: { status: 414, title: 'Path parameter too long' },
  EXPECTATION_FAILED: { status: 417, title: 'Expectation not supported' },
  IDEMPOTENCY_KEY_REUSED: { status: 422, title: 'Idempotency key reused' },
  MIXED_CURRENCIES: { status: 422, title: 'Mixed currencies' },
  STOCK_LIMIT_EXCEEDED: { status: 422, title: 'Stock limit exceeded' },
  UNKNOWN_SKU: { status: 422, title: 'Unknown SKU' },
  WEBHOOK_URL_REFUSED: { status: 422, title: 'Webhook URL refused' },
  RATE_LIMITED: { status: 429, title: 'Too many requests' },
  TOO_MANY_REQUESTS: { status: 429, title: 'Too many requests' },
  HEADERS_TOO_LARGE: { status: 431, title: 'Request headers too large' },
  INTERNAL_ERROR: { status: 500, title: 'Internal error' },
  DATABASE_UNAVAILABLE: { status: 503, title: 'Database unavailable' },
  WORKFLOW_ENGINE_UNAVAILABLE: { status: 503, title: 'Workflow engine unavailable' },
  AUTHENTICATION_UNAVAILABLE: { status: 503, title: 'Token verification unavailable' },
} as const satisfies Record<string, ErrorCodeEntry>;

/** A code of the table: what `ApiError` takes. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** The table's entry for `code`; undefined for a code it does not have (`HTTP_<status>` fallbacks). */
export function errorCodeEntry(code: string): ErrorCodeEntry | undefined {
  return Object.hasOwn(ERROR_CODES, code) ? ERROR_CODES[code as ErrorCode] : undefined;
}

/** `RATE_LIMITED` → `rate-limited`: the last segment of the code's `type` and the name of its page. */
export function kebabCode(code: string): string {
  return code.toLowerCase().replaceAll('_', '-');
}
