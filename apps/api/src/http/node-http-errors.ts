import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { problemOfCode } from './problem-details';
import { problemResponse } from './problem-response';

/**
 * Answers what Node's HTTP parser refuses before Fastify sees a request (headers over the size limit,
 * bytes that are not HTTP/1.1, a request that took too long) as problem details, saying that the
 * connection closes. Fastify's default omitted `Connection: close` and then destroyed the socket: a
 * keep-alive client reused it for its next request and got a connection reset instead of an answer. The
 * connection then closes lingering, so that a client still sending its request reads the answer.
 * The request could not be read, so the answer has no `instance` and is `application/problem+json`.
 *
 * @param typeBase `PROBLEM_TYPE_BASE`
 */
export function answerClientErrors(typeBase: string): (error: NodeJS.ErrnoException, socket: Socket) => void {
  return function answerClientError(error, socket) {
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    if (answered.has(socket)) return; // the parser refuses every later chunk of the same request too
    answered.add(socket);
    const problem =
      error.code === 'HPE_HEADER_OVERFLOW'
        ? problemOfCode('HEADERS_TOO_LARGE', 'The request headers are too large')
        : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? problemOfCode('REQUEST_TIMEOUT', 'The request took too long to arrive')
          : problemOfCode('MALFORMED_REQUEST', 'The request is not valid HTTP/1.1');
    const { contentType, payload } = problemResponse(problem, { typeBase });
    if (socket.writable)
      socket.end(
        Buffer.concat([
          Buffer.from(
            `HTTP/1.1 ${problem.status} ${STATUS_CODES[problem.status]}\r\n` +
              `Content-Type: ${contentType}\r\n` +
              `Content-Length: ${payload.length}\r\n` +
              'Connection: close\r\n\r\n',
          ),
          payload,
        ]),
      );
    lingerThenClose(socket);
  };
}

/** Sockets already answered: Node reports the parser's error again for each chunk that follows. */
const answered = new WeakSet<Socket>();

/** How long a refused request's client may go on sending before its connection is closed anyway. */
export const LINGER_MS = 2_000;

/**
 * A lingering close (RFC 9112, section 9.6): the answer is followed by the end of what this side sends,
 * and what the client still sends (the rest of a body it started) is read and dropped until it ends its
 * side or `LINGER_MS` pass. Destroying the socket with unread bytes would make the kernel reset the
 * connection, and a client still writing its request would get the reset instead of the answer.
 */
function lingerThenClose(socket: Socket): void {
  const timer = setTimeout(() => socket.destroy(), LINGER_MS);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
  socket.once('end', () => socket.destroy());
  socket.resume();
}

/**
 * An `Expect` header other than `100-continue` (the `checkExpectation` event of Node's server): 417 as
 * problem details, where Node's default answers 417 with an empty body.
 *
 * @param typeBase `PROBLEM_TYPE_BASE`
 */
export function answerUnmetExpectations(
  typeBase: string,
): (request: IncomingMessage, response: ServerResponse) => void {
  return function answerUnmetExpectation(request, response) {
    const { contentType, payload } = problemResponse(
      problemOfCode('EXPECTATION_FAILED', 'Only "Expect: 100-continue" is supported', [
        { field: 'Expect', message: 'must be 100-continue or absent' },
      ]),
      { typeBase, url: request.url, headers: request.headers },
    );
    response.writeHead(417, {
      'content-type': contentType,
      'content-length': payload.length,
      connection: 'close',
    });
    response.end(payload);
  };
}
