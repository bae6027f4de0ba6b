import { request as httpRequest, STATUS_CODES, type Agent as HttpAgent } from 'node:http';
import { request as httpsRequest, type Agent as HttpsAgent } from 'node:https';
import type { LookupFunction } from 'node:net';
import { isIP } from 'node:net';
import { isForbiddenAddress, WebhookUrlRefusedError } from '../webhook-url-policy';

/**
 * What one request came to: an answer's status code (with its `Retry-After`, when it has one), or why there
 * was none.
 */
export type WebhookCallResult = { status: number; retryAfter?: string } | { error: string };

export interface WebhookCallOptions {
  timeoutMs: number;
  /** Hosts that may be private or loopback addresses (configuration). */
  allowedHosts: readonly string[];
  /** The connect-time address check. */
  lookup: LookupFunction;
  agents?: { http?: HttpAgent; https?: HttpsAgent };
}

/** The most of an answer's body that is read (and discarded) to keep the connection reusable. */
const MAX_DRAINED_BYTES = 64 * 1024;

/**
 * POSTs a delivery. Redirects are not followed (a 3xx is an answer like any other); an address the policy
 * forbids is never connected to; the whole exchange, the answer's body included, has `timeoutMs`.
 */
export function postWebhook(
  url: URL,
  body: string,
  headers: Record<string, string>,
  options: WebhookCallOptions,
): Promise<WebhookCallResult> {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  // node:net does not look up IP literals: check those here.
  if (isIP(host) && isForbiddenAddress(host) && !options.allowedHosts.some((h) => h.toLowerCase() === host)) {
    return Promise.resolve({ error: new WebhookUrlRefusedError(`${host} is a forbidden address`).message });
  }
  const https = url.protocol === 'https:';
  const send = https ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: WebhookCallResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    const request = send(url, {
      method: 'POST',
      headers: { ...headers, 'content-length': Buffer.byteLength(body) },
      lookup: options.lookup,
      agent: https ? options.agents?.https : options.agents?.http,
    });
    const timer = setTimeout(
      () => request.destroy(new Error(`no answer within ${options.timeoutMs} ms`)),
      options.timeoutMs,
    );
    request.once('error', (error) => finish({ error: error.message }));
    request.once('response', (response) => {
      const retryAfter = response.headers['retry-after'];
      const answer = { status: response.statusCode ?? 0, ...(retryAfter ? { retryAfter } : {}) };
      let read = 0;
      response.on('data', (chunk: Buffer) => {
        read += chunk.length;
        if (read > MAX_DRAINED_BYTES) response.destroy();
      });
      response.once('close', () => finish(answer));
      response.once('error', () => finish(answer));
    });
    request.end(body);
  });
}

/** "500 Internal Server Error", as a status histogram labels it and as logs say it. */
export function describeStatus(status: number): string {
  return `${status} ${STATUS_CODES[status] ?? ''}`.trim();
}
