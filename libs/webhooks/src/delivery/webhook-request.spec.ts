import { verifyWebhookSignature } from '../webhook-signature';
import type { ClaimedDelivery } from './webhook-delivery.types';
import { webhookRequest } from './webhook-request';

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
  secret: 'whsec_test',
};

describe('webhookRequest', () => {
  it('sends the event as JSON with its id, signing time, attempt, signature and trace context', () => {
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const { body, headers } = webhookRequest(delivery, {
      userAgent: 'orders-webhooks/1',
      traceCarrier: { traceparent },
      now: 1_767_323_045,
    });
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
      'webhook-timestamp': '1767323045',
      'webhook-attempt': '3',
      'webhook-signature': expect.stringMatching(/^t=1767323045,v1=[0-9a-f]{64}$/),
      traceparent,
    });
    const check = { now: 1_767_323_045 };
    expect(verifyWebhookSignature('whsec_test', body, headers['webhook-signature'], check)).toBe(true);
    expect(verifyWebhookSignature('whsec_other', body, headers['webhook-signature'], check)).toBe(false);
  });
});
