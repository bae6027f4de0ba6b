import { SetMetadata } from '@nestjs/common';

export const LOG_CONTEXT = Symbol('LOG_CONTEXT');

/** The parts of a request a handler's log fields may be read from. */
export interface LogContextRequest {
  params: Record<string, string | undefined>;
  query: Record<string, unknown>;
  body: unknown;
}

/** Domain ids to put on every later log line of a request, read from the request and from the result. */
export interface LogContextFields {
  fromRequest?: (request: LogContextRequest) => Record<string, unknown>;
  fromResult?: (result: unknown) => Record<string, unknown>;
}

/**
 * Names the domain ids a handler's requests are about (`order.id`, `customer.id`…): the request's log
 * context carries them from then on, the `request completed` line included (`LogContextInterceptor`).
 */
export const LogContext = (fields: LogContextFields) => SetMetadata(LOG_CONTEXT, fields);
