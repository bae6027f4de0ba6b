import { REDACTED } from '@app/observability';
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';

const QUERY_TOKEN = /([?&]access_token=)[^&#]*/gi;
const HAS_QUERY_TOKEN = /access_token=/i;

/**
 * A token in the URL is refused (RFC 6750 §2.3 is not supported), and must not be written down anywhere.
 * The access log writes the path only and the server span censors `access_token` in `url.query`; this
 * rewrites the URL too, for whatever else reads it later in the request. Routing and the parsed query are
 * done by then, so the refusal still sees the parameter.
 */
export function redactQueryToken(
  request: FastifyRequest,
  _reply: FastifyReply,
  done: HookHandlerDoneFunction,
): void {
  const raw = request.raw as FastifyRequest['raw'] & { originalUrl?: string };
  if (!raw.url || !HAS_QUERY_TOKEN.test(raw.url)) return done();
  raw.url = raw.url.replace(QUERY_TOKEN, `$1${REDACTED}`);
  // The middleware layer copies the URL for Express-style middleware.
  if (raw.originalUrl) raw.originalUrl = raw.originalUrl.replace(QUERY_TOKEN, `$1${REDACTED}`);
  done();
}
