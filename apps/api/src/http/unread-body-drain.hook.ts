import type { IncomingMessage } from 'node:http';
import type { FastifyReply, onSendHookHandler } from 'fastify';
import { announcesBody } from './request-body';

export interface BodyDrainLimits {
  /** Most bytes of an unread body discarded before answering; more and the connection is closed. */
  maxBytes: number;
  /** Longest wait for the rest of an unread body; longer and the connection is closed. */
  timeoutMs: number;
}

/**
 * A reply sent before the request body was read (413 body too large, 415 not JSON) waits until the
 * client has sent the rest, which is discarded. Otherwise the connection closes while the client is still
 * writing, its kernel answers with a reset, and most clients never read the reply (EPIPE, ECONNRESET).
 * Like nginx's lingering close it is bounded: a body announced beyond `maxBytes`, or one that goes past
 * `maxBytes` or `timeoutMs`, is answered at once and the connection closed.
 */
export function drainUnreadBody(limits: BodyDrainLimits): onSendHookHandler {
  return function drainBeforeReplying(request, reply, payload, done) {
    const body = request.raw;
    // Most requests announce no body (GET, probes): nothing to wait for, and no listener to add.
    if (!announcesBody(body.headers) || body.complete || body.destroyed) return done(null, payload);
    if (Number(body.headers['content-length']) > limits.maxBytes) {
      closeAfterReply(reply);
      return done(null, payload);
    }
    void discardBody(body, limits).then((drained) => {
      if (!drained) closeAfterReply(reply);
      done(null, payload);
    });
  };
}

function closeAfterReply(reply: FastifyReply): void {
  void reply.header('connection', 'close');
}

/** Reads the rest of the body and throws it away; resolves whether it ended within the limits. */
function discardBody(body: IncomingMessage, limits: BodyDrainLimits): Promise<boolean> {
  return new Promise((resolve) => {
    let received = 0;
    const finish = (drained: boolean) => {
      clearTimeout(timer);
      body.off('data', onData).off('end', onEnd).off('close', onClose).off('error', onClose);
      resolve(drained);
    };
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received > limits.maxBytes) finish(false);
    };
    const onEnd = () => finish(true);
    const onClose = () => finish(body.complete);
    const timer = setTimeout(() => finish(false), limits.timeoutMs);
    body.on('data', onData).once('end', onEnd).once('close', onClose).once('error', onClose);
    body.resume();
  });
}
