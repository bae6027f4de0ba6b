import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { generateWebhookSecret, WEBHOOK_SECRET_PREFIX, webhookSecretKey } from './endpoints/webhook-secret';
import { legacyWebhookSignature } from './legacy-signature';
import { signWebhook, webhookSignatures } from './webhook-signature';

const id = '6f1c1e52-3f0e-4a8e-9a52-0d8f5b1b2c3d';
const body = JSON.stringify({ id, type: 'order.created', note: 'é ünïcode' });
const headers = (timestamp: number, signature: string) => ({
  'webhook-id': id,
  'webhook-timestamp': String(timestamp),
  'webhook-signature': signature,
});

describe('Standard Webhooks signatures', () => {
  it('generates whsec_ and the standard base64 of 32 random bytes, which the library accepts', () => {
    const secrets = Array.from({ length: 50 }, generateWebhookSecret);
    for (const secret of secrets) {
      expect(secret).toMatch(new RegExp(`^${WEBHOOK_SECRET_PREFIX}[A-Za-z0-9+/]{43}=$`));
      expect(webhookSecretKey(secret)).toHaveLength(32);
      expect(() => new Webhook(secret)).not.toThrow();
    }
    expect(new Set(secrets).size).toBe(secrets.length);
  });

  it("signs exactly as the library's sign does: v1, base64 HMAC of id.timestamp.body keyed with the decoded bytes", () => {
    const secret = generateWebhookSecret();
    const timestamp = 1_800_000_000;
    const ours = signWebhook(secret, { id, timestamp, body });
    expect(ours).toBe(new Webhook(secret).sign(id, new Date(timestamp * 1000), body));
    expect(ours).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    // Keyed with the bytes, not with the secret's text.
    const withText = createHmac('sha256', secret).update(`${id}.${timestamp}.${body}`).digest('base64');
    expect(ours).not.toBe(`v1,${withText}`);
  });

  it('verifies with the library, and fails with another secret, another body, id or timestamp', () => {
    const secret = generateWebhookSecret();
    const timestamp = Math.floor(Date.now() / 1000);
    const signature = signWebhook(secret, { id, timestamp, body });
    expect(new Webhook(secret).verify(body, headers(timestamp, signature))).toEqual(JSON.parse(body));
    const fails = (verify: () => unknown) => expect(verify).toThrow(/No matching signature/);
    fails(() => new Webhook(generateWebhookSecret()).verify(body, headers(timestamp, signature)));
    fails(() => new Webhook(secret).verify(`${body} `, headers(timestamp, signature)));
    fails(() => new Webhook(secret).verify(body, { ...headers(timestamp, signature), 'webhook-id': 'x' }));
    fails(() => new Webhook(secret).verify(body, headers(timestamp - 1, signature)));
  });

  it('signs with several secrets, space-separated, the first given first; the library accepts either', () => {
    const [current, replaced, other] = [
      generateWebhookSecret(),
      generateWebhookSecret(),
      generateWebhookSecret(),
    ];
    const timestamp = Math.floor(Date.now() / 1000);
    const header = webhookSignatures([current, replaced], { id, timestamp, body });
    expect(header.split(' ')).toEqual([
      signWebhook(current, { id, timestamp, body }),
      signWebhook(replaced, { id, timestamp, body }),
    ]);
    expect(new Webhook(current).verify(body, headers(timestamp, header))).toBeTruthy();
    expect(new Webhook(replaced).verify(body, headers(timestamp, header))).toBeTruthy();
    expect(() => new Webhook(other).verify(body, headers(timestamp, header))).toThrow();
    expect(webhookSignatures([current], { id, timestamp, body })).toBe(
      signWebhook(current, { id, timestamp, body }),
    );
  });
});

describe('the former signature (transition window only)', () => {
  it('is t=<timestamp>,v1=<hex HMAC of "<timestamp>.<body>"> keyed with the text of the secret', () => {
    const legacySecret = 'whsec_Ab-_0123456789abcdefghijklmnopqrstuvwxyzAB';
    const header = legacyWebhookSignature(legacySecret, 1_800_000_000, body);
    const expected = createHmac('sha256', legacySecret).update(`1800000000.${body}`).digest('hex');
    expect(header).toBe(`t=1800000000,v1=${expected}`);
    expect(legacyWebhookSignature('whsec_other', 1_800_000_000, body)).not.toBe(header);
  });
});
