import type { FastifyReply, FastifyRequest } from 'fastify';
import { errorBody } from './error-body';

const JSON_MEDIA_TYPE = /^application\/([\w.+-]+\+)?json$/i;

/** Request bodies must be JSON: anything else is refused with 415 before parsing or routing. */
export async function requireJsonBodies(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const contentLength = Number(request.headers['content-length'] ?? 0);
  const hasBody = contentLength > 0 || request.headers['transfer-encoding'] !== undefined;
  if (!hasBody) return;
  const mediaType = (request.headers['content-type'] ?? '').split(';')[0].trim();
  if (JSON_MEDIA_TYPE.test(mediaType)) return;
  await reply
    .status(415)
    .send(
      errorBody(
        415,
        'UNSUPPORTED_MEDIA_TYPE',
        `Send the request body as application/json (got ${mediaType || 'no content type'})`,
      ),
    );
}
