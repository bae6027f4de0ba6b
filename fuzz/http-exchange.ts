import http, { type IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import type { WireRequest } from './fuzz-request';

/** What came back: a status, or why none did. */
export interface Exchange {
  status?: number;
  headers: IncomingHttpHeaders;
  /** The body as text (cut at MAX_BODY_BYTES). */
  text: string;
  ms: number;
  /** `timeout`, or the socket error (`ECONNRESET`, …) when no complete answer arrived. */
  error?: string;
}

const MAX_BODY_BYTES = 1024 * 1024;

/**
 * Sends one request with node:http (not fetch: it sends any method, path bytes and repeated header
 * verbatim) and reads the whole answer; gives up after `timeoutMs`.
 */
export function exchange(
  baseUrl: URL,
  request: WireRequest,
  options: { timeoutMs: number; agent: http.Agent },
): Promise<Exchange> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: Omit<Exchange, 'ms'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...result, ms: elapsed() });
    };
    const timer = setTimeout(() => {
      finish({ headers: {}, text: '', error: 'timeout' });
      outgoing?.destroy();
    }, options.timeoutMs);
    let outgoing: http.ClientRequest | undefined;
    try {
      outgoing = (baseUrl.protocol === 'https:' ? https : http).request({
        protocol: baseUrl.protocol,
        hostname: baseUrl.hostname,
        port: baseUrl.port,
        path: `${baseUrl.pathname.replace(/\/$/, '')}${request.target}`,
        method: request.method,
        headers: request.headers,
        agent: options.agent,
      });
    } catch (error) {
      finish({ headers: {}, text: '', error: `not sendable: ${(error as Error).message}` });
      return;
    }
    outgoing.on('response', (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= MAX_BODY_BYTES) chunks.push(chunk);
      });
      response.on('end', () =>
        finish({
          status: response.statusCode,
          headers: response.headers,
          text: Buffer.concat(chunks).toString('utf8'),
        }),
      );
      response.on('error', (error) => finish({ headers: {}, text: '', error: codeOf(error) }));
    });
    outgoing.on('error', (error) => finish({ headers: {}, text: '', error: codeOf(error) }));
    outgoing.end(request.body);
  });
}

const codeOf = (error: Error) => (error as NodeJS.ErrnoException).code ?? error.message;
