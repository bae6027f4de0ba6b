import type { IncomingHttpHeaders } from 'node:http';

/** Whether the request says a body follows: a `content-length` above 0, or any `transfer-encoding`. */
export function announcesBody(headers: IncomingHttpHeaders): boolean {
  return Number(headers['content-length'] ?? 0) > 0 || headers['transfer-encoding'] !== undefined;
}
