import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

/** How the receiver answers a request: a status code, never (`hang`: the sender times out). */
export type ReceiverAnswer = number | 'hang';

/** An answer with headers (a 503 with `Retry-After`, say). */
export interface ReceiverAnswerWithHeaders {
  status: number;
  headers: Record<string, string>;
}

/** How to answer each request: a fixed answer or one chosen per request. */
export type ReceiverBehaviour =
  | ReceiverAnswer
  | ReceiverAnswerWithHeaders
  | ((delivery: Omit<ReceivedDelivery, 'answer'>) => ReceiverAnswer | ReceiverAnswerWithHeaders);

/**
 * Whether the request verifies with `secret` as a receiver checks it, with the Standard Webhooks library:
 * the `webhook-signature` (any of its signatures) over the `webhook-id`, the `webhook-timestamp` (within
 * five minutes) and the raw body.
 */
export function verifiesWith(secret: string, raw: string, headers: IncomingHttpHeaders): boolean {
  const flat = Object.fromEntries(
    Object.entries(headers).map(([name, value]) => [
      name,
      Array.isArray(value) ? value.join(', ') : (value ?? ''),
    ]),
  );
  try {
    new Webhook(secret).verify(raw, flat, { jsonParse: false });
    return true;
  } catch {
    return false;
  }
}

export interface ReceivedDelivery {
  /** `webhook-id` header; the body's `id` must match it. */
  eventId: string;
  attempt: number;
  type: string;
  orderId: string;
  body: any;
  raw: string;
  headers: IncomingHttpHeaders;
  /**
   * Whether the request verified with the receiver's secret, with the Standard Webhooks library (undefined
   * before `secret` was set).
   */
  signatureValid: boolean | undefined;
  /** What the receiver answered (`hang`: nothing). */
  answer: ReceiverAnswer;
  at: number;
}

export interface WebhookReceiver {
  /** `http://127.0.0.1:<port>/hooks/<name>`. */
  url: string;
  port: number;
  received: ReceivedDelivery[];
  /** The endpoint's signing secret, once registered: signatures are checked against it. */
  secret?: string;
  /** How long each answer takes, in ms. @default 0 */
  delayMs: number;
  /** Sets how the following requests are answered (a fixed answer or one chosen per request). */
  answer(how: ReceiverBehaviour): void;
  /** Stops listening: connections are refused until `listen()`. */
  refuse(): Promise<void>;
  /** Listens again on the same port. */
  listen(): Promise<void>;
  /** Deliveries that got a 2xx, by event id. */
  delivered(): Map<string, ReceivedDelivery[]>;
  close(): Promise<void>;
}

/**
 * A local webhook receiver the test controls: it records every request (with its signature checked
 * against the endpoint's secret) and answers 200, any other status, or never; it can also stop listening
 * so that connections are refused.
 */
export async function startWebhookReceiver(name = 'orders'): Promise<WebhookReceiver> {
  let how: ReceiverBehaviour = 200;
  const hanging = new Set<ServerResponse>();
  let server: Server | undefined;
  let port = 0;

  const receiver: WebhookReceiver = {
    url: '',
    port: 0,
    received: [],
    delayMs: 0,
    answer(next) {
      how = next;
    },
    async refuse() {
      const closing = server;
      server = undefined;
      if (!closing) return;
      for (const response of hanging) response.destroy();
      hanging.clear();
      closing.closeAllConnections();
      await new Promise<void>((resolve) => closing.close(() => resolve()));
    },
    async listen() {
      if (server) return;
      server = createServer((request, response) => {
        let raw = '';
        request.on('data', (chunk: Buffer) => (raw += chunk.toString()));
        request.on('end', () => {
          let body: any;
          try {
            body = JSON.parse(raw);
          } catch {
            body = undefined;
          }
          const header = (key: string) => String(request.headers[key] ?? '');
          const delivery = {
            eventId: header('webhook-id'),
            attempt: Number(header('webhook-attempt')),
            type: body?.type,
            orderId: body?.data?.order?.id,
            body,
            raw,
            headers: request.headers,
            signatureValid: receiver.secret ? verifiesWith(receiver.secret, raw, request.headers) : undefined,
            at: Date.now(),
          };
          const chosen = typeof how === 'function' ? how(delivery) : how;
          const answer = typeof chosen === 'object' ? chosen.status : chosen;
          receiver.received.push({ ...delivery, answer });
          if (answer === 'hang') {
            hanging.add(response);
            response.once('close', () => hanging.delete(response));
            return;
          }
          const headers = {
            'content-type': 'text/plain',
            ...(typeof chosen === 'object' ? chosen.headers : {}),
          };
          setTimeout(() => response.writeHead(answer, headers).end(String(answer)), receiver.delayMs);
        });
      });
      const listening = server;
      await new Promise<void>((resolve, reject) => {
        listening.once('error', reject);
        listening.listen(port, '127.0.0.1', () => resolve());
      });
      port = (listening.address() as AddressInfo).port;
      receiver.port = port;
      receiver.url = `http://127.0.0.1:${port}/hooks/${name}?token=secret-in-query`;
    },
    delivered() {
      const byEvent = new Map<string, ReceivedDelivery[]>();
      for (const delivery of receiver.received) {
        if (typeof delivery.answer !== 'number' || delivery.answer < 200 || delivery.answer >= 300) continue;
        byEvent.set(delivery.eventId, [...(byEvent.get(delivery.eventId) ?? []), delivery]);
      }
      return byEvent;
    },
    close: () => receiver.refuse(),
  };
  await receiver.listen();
  return receiver;
}
