import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { generateWebhookSecret } from '../endpoints/webhook-secret';
import type { ClaimedDelivery } from './webhook-delivery.types';
import { webhookRequest } from './webhook-request';

const secret = generateWebhookSecret();
const delivery: ClaimedDelivery = {
  eventSeq: '7',
  endpointId: 'ep-1',
  attempt: 3,
  eventId: '6f1c1e52-3f0e-4a8e-9a52-0d8f5b1b2c3d',
  type: 'order.completed',
  orderId: 'o-1',
  payload: { id: 'o-1', status: 'COMPLETED' },
  traceCarrier: {},
  createdAt: new Date('2026-01-02T03:04:05.678Z'),
  url: 'https://hooks.example.com/x',
  secret,
  previousSecret: null,
  legacySecret: null,
};
const options = { userAgent: 'orders-webhooks/1', traceCarrier: {} };
const verifies = (key: string, request: { body: string; headers: Record<string, string> }) => {
  try {
    new Webhook(key).verify(request.body, request.headers);
    return true;
  } catch {
    return false;
  }
};

describe('webhookRequest', () => {
  it('sends the event as JSON with its id, signing time, attempt, Standard Webhooks signature and trace context', () => {
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const now = Math.floor(Date.now() / 1000);
    const request = webhookRequest(delivery, { ...options, traceCarrier: { traceparent }, now });
    const { body, headers } = request;
    expect(JSON.parse(body)).toEqual({
      id: delivery.eventId,
      type: 'order.completed',
      createdAt: '2026-01-02T03:04:05.678Z',
      data: { order: { id: 'o-1', status: 'COMPLETED' } },
    });
    expect(headers).toEqual({
      'content-type': 'application/json',
      'user-agent': 'orders-webhooks/1',
      'webhook-id': delivery.eventId,
      'webhook-timestamp': String(now),
      'webhook-attempt': '3',
      'webhook-signature': new Webhook(secret).sign(delivery.eventId, new Date(now * 1000), body),
      traceparent,
    });
    expect(verifies(secret, request)).toBe(true);
    expect(verifies(generateWebhookSecret(), request)).toBe(false);
  });

  it('signs with the replaced secret too during a rotation: v1,<new> v1,<replaced>', () => {
    const previousSecret = generateWebhookSecret();
    const request = webhookRequest({ ...delivery, previousSecret }, options);
    expect(request.headers['webhook-signature']).toMatch(/^v1,\S{44} v1,\S{44}$/);
    expect(request.headers['webhook-signature'].split(' ')[0]).toBe(
      webhookRequest(delivery, { ...options, now: Number(request.headers['webhook-timestamp']) }).headers[
        'webhook-signature'
      ],
    );
    expect([secret, previousSecret, generateWebhookSecret()].map((key) => verifies(key, request))).toEqual([
      true,
      true,
      false,
    ]);
    expect(request.headers['webhook-signature-legacy']).toBeUndefined();
  });

  it('adds the former signature, keyed with the text the receiver holds, during the transition window', () => {
    const legacySecret = `whsec_${Buffer.from(secret.slice(6), 'base64').toString('base64url')}`;
    const now = 1_767_323_045;
    const { body, headers } = webhookRequest({ ...delivery, legacySecret }, { ...options, now });
    const hex = createHmac('sha256', legacySecret).update(`${now}.${body}`).digest('hex');
    expect(headers['webhook-signature-legacy']).toBe(`t=${now},v1=${hex}`);
    expect(headers['webhook-signature']).toBe(
      new Webhook(secret).sign(delivery.eventId, new Date(now * 1000), body),
    );
  });
});
