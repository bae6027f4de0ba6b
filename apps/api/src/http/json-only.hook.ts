import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { ApiError } from './api-error';
import { announcesBody } from './request-body';

const JSON_MEDIA_TYPE = /^application\/([\w.+-]+\+)?json$/i;

/** Request bodies must be JSON: anything else is refused with 415 before parsing or routing. */
export function requireJsonBodies(
  request: FastifyRequest,
  _reply: FastifyReply,
  done: HookHandlerDoneFunction,
): void {
  if (!announcesBody(request.headers)) return done();
  const mediaType = (request.headers['content-type'] ?? '').split(';')[0].trim();
  if (JSON_MEDIA_TYPE.test(mediaType)) return done();
  // Answered by the exception filter: the request goes no further.
  done(
    new ApiError(
      415,
      'UNSUPPORTED_MEDIA_TYPE',
      `Send the request body as application/json (got ${mediaType || 'no content type'})`,
    ),
  );
}
