import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { errorBody } from './error-body';

/**
 * Answers what Node's HTTP parser refuses before Fastify sees a request (headers over the size limit,
 * bytes that are not HTTP/1.1, a request that took too long) in the API's error shape, saying that the
 * connection closes. Fastify's default omitted `Connection: close` and then destroyed the socket: a
 * keep-alive client reused it for its next request and got a connection reset instead of an answer.
 */
export function answerClientError(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, code, message] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'HEADERS_TOO_LARGE', 'The request headers are too large']
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'REQUEST_TIMEOUT', 'The request took too long to arrive']
        : [400, 'MALFORMED_REQUEST', 'The request is not valid HTTP/1.1'];
  const body = JSON.stringify(errorBody(status, code, message));
  if (socket.writable)
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
        'Content-Type: application/json; charset=utf-8\r\n' +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        'Connection: close\r\n\r\n' +
        body,
    );
  socket.destroySoon(); // once the answer is written
}

/**
 * An `Expect` header other than `100-continue` (the `checkExpectation` event of Node's server): 417 in
 * the API's error shape, where Node's default answers 417 with an empty body.
 */
export function answerUnmetExpectation(_request: IncomingMessage, response: ServerResponse): void {
  const body = JSON.stringify(
    errorBody(417, 'EXPECTATION_FAILED', 'Only "Expect: 100-continue" is supported', [
      { field: 'Expect', message: 'must be 100-continue or absent' },
    ]),
  );
  response.writeHead(417, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    connection: 'close',
  });
  response.end(body);
}
