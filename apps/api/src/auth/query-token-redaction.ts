import { REDACTED } from '@app/observability';
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';

const QUERY_TOKEN = /([?&]access_token=)[^&#]*/gi;

/**
 * A token in the URL is refused (RFC 6750 §2.3 is not supported), but the request line would still be
 * logged with it: the URL the request log reads is rewritten before anything logs it. Routing and the
 * parsed query are done by then, so the refusal still sees the parameter.
 */
export function redactQueryToken(
  request: FastifyRequest,
  _reply: FastifyReply,
  done: HookHandlerDoneFunction,
): void {
  const raw = request.raw as FastifyRequest['raw'] & { originalUrl?: string };
  if (!raw.url?.toLowerCase().includes('access_token=')) return done();
  raw.url = raw.url.replace(QUERY_TOKEN, `$1${REDACTED}`);
  // The middleware layer copies the URL for Express-style middleware (the request log reads that copy).
  if (raw.originalUrl) raw.originalUrl = raw.originalUrl.replace(QUERY_TOKEN, `$1${REDACTED}`);
  done();
}
