import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { MIGRATIONS } from '@app/database';
import { AuditLog } from '@app/observability';
import { DataSource } from 'typeorm';
import { Webhook } from 'standardwebhooks';
import {
  startWebhookReceiver,
  verifiesWith,
  type ReceivedDelivery,
  type WebhookReceiver,
} from '../../../test/support/webhook-receiver';
import { createTestDatabase, type TestDatabase } from '../../../tooling/database';
import { waitFor } from '../../../tooling/wait-for';
import { isTerminalStatus, OPERATOR, orderBody, startApi, type RunningApi } from './support/api-harness';
import { FAST_WEBHOOKS, registerReceiver } from './support/webhook-fixtures';

/** The first migration that signs the Standard Webhooks way; the schema before it is the former one. */
const SIGNING_MIGRATION = 1764500000000;
const STANDARD_SECRET = /^whsec_[A-Za-z0-9+/]{43}=$/;
const ONE_SIGNATURE = /^v1,[A-Za-z0-9+/]{43}=$/;
const TWO_SIGNATURES = /^v1,[A-Za-z0-9+/]{43}= v1,[A-Za-z0-9+/]{43}=$/;
const GRACE_MS = 5_000;
const DAY_MS = 24 * 3_600_000;

/** A secret as the former code generated it: whsec_ and the base64url of 32 random bytes. */
const formerSecret = () => `whsec_${randomBytes(32).toString('base64url')}`;
/** What a receiver holding a former secret configures the Standard Webhooks library with (docs/webhooks.md). */
const standardFormOf = (former: string) =>
  `whsec_${Buffer.from(former.slice('whsec_'.length), 'base64url').toString('base64')}`;

/** What a receiver written for the former format does with `webhook-signature-legacy`. */
function verifiesTheFormerWay(secret: string, delivery: ReceivedDelivery): boolean {
  const header = String(delivery.headers['webhook-signature-legacy'] ?? '');
  const parts = Object.fromEntries(header.split(',').map((part) => part.split('=', 2)));
  const timestamp = Number(parts.t);
  if (!Number.isInteger(timestamp) || Math.abs(Date.now() / 1000 - timestamp) > 300) return false;
  const expected = createHmac('sha256', secret).update(`${timestamp}.${delivery.raw}`).digest();
  const given = Buffer.from(parts.v1 ?? '', 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * Standard Webhooks signatures on the real application: a delivery verifies with the standardwebhooks
 * library; an endpoint registered before the change (the database migrated under it) also gets the former
 * signature, which verifies the former way, until its window ends or its secret is rotated; a rotation
 * signs with both secrets for the grace, then with the new one only.
 */
describe('webhook signing', () => {
  let api: RunningApi;
  let audit: jest.SpiedFunction<AuditLog['record']>;
  const receivers: WebhookReceiver[] = [];
  const receiver = async (name: string) => {
    const started = await startWebhookReceiver(name);
    receivers.push(started);
    return started;
  };

  /** Places an order, waits until it settled and `to` received its order.created event; returns that delivery. */
  const deliveredTo = async (running: RunningApi, to: WebhookReceiver): Promise<ReceivedDelivery> => {
    const placed = await running.request('POST', '/orders', { body: orderBody() });
    expect(placed.status).toBe(202);
    const orderId = placed.body.id as string;
    await running.waitForOrder(orderId, isTerminalStatus);
    const [delivery] = await waitFor(
      async () => to.received.filter((d) => d.orderId === orderId && d.answer === 200),
      (found) => found.length > 0,
    );
    return delivery;
  };
  const signatureOf = (delivery: ReceivedDelivery) => String(delivery.headers['webhook-signature']);
  const rotate = (running: RunningApi, id: string, as: typeof OPERATOR | string | null = OPERATOR) =>
    running.request('POST', `/admin/webhooks/${id}/rotate-secret`, { as });

  beforeAll(async () => {
    api = await startApi({ ...FAST_WEBHOOKS, WEBHOOK_SECRET_ROTATION_GRACE_MS: String(GRACE_MS) });
    audit = jest.spyOn(api.app.get(AuditLog), 'record');
  });

  afterAll(async () => {
    audit?.mockRestore();
    await api?.close();
    await Promise.all(receivers.map((r) => r.close()));
  });

  // Each scenario registers its own endpoints: those of the previous ones get no more events.
  afterEach(() => api.db.query('UPDATE webhook_endpoints SET enabled = false'));

  it('signs v1,<base64> over id, timestamp and body, which the standardwebhooks library verifies', async () => {
    const hooks = await receiver('standard');
    const endpoint = await registerReceiver(api, hooks, ['order.created']);
    expect(endpoint.secret).toMatch(STANDARD_SECRET);

    const delivery = await deliveredTo(api, hooks);
    expect(signatureOf(delivery)).toMatch(ONE_SIGNATURE);
    expect(delivery.headers['webhook-signature-legacy']).toBeUndefined();
    expect(delivery.signatureValid).toBe(true);
    const headers = {
      'webhook-id': String(delivery.headers['webhook-id']),
      'webhook-timestamp': String(delivery.headers['webhook-timestamp']),
      'webhook-signature': signatureOf(delivery),
    };
    expect(new Webhook(endpoint.secret).verify(delivery.raw, headers)).toEqual(delivery.body);
    expect(() =>
      new Webhook(`whsec_${randomBytes(32).toString('base64')}`).verify(delivery.raw, headers),
    ).toThrow(/No matching signature/);
    // The id is signed: the same signature under another id does not verify.
    expect(() =>
      new Webhook(endpoint.secret).verify(delivery.raw, { ...headers, 'webhook-id': randomUUID() }),
    ).toThrow(/No matching signature/);
    expect(await api.request('GET', `/admin/webhooks/${endpoint.id}`, { as: OPERATOR })).toMatchObject({
      status: 200,
      body: { previousSecretExpiresAt: null, legacySignatureUntil: null },
    });
  });

  it('after a rotation signs with both secrets for the grace, then with the new one only; a second rotation keeps two', async () => {
    const hooks = await receiver('rotated');
    const { id, secret: first } = await registerReceiver(api, hooks, ['order.created']);

    const rotated = await rotate(api, id);
    expect(rotated.status).toBe(200);
    expect(rotated.body).toEqual({
      secret: expect.stringMatching(STANDARD_SECRET),
      previousSecretExpiresAt: expect.any(String),
    });
    const second = rotated.body.secret as string;
    expect(second).not.toBe(first);
    const expiresIn = Date.parse(rotated.body.previousSecretExpiresAt) - Date.now();
    expect(expiresIn).toBeGreaterThan(GRACE_MS - 2_000);
    expect(expiresIn).toBeLessThanOrEqual(GRACE_MS);
    const read = await api.request('GET', `/admin/webhooks/${id}`, { as: OPERATOR });
    expect(read.body.previousSecretExpiresAt).toBe(rotated.body.previousSecretExpiresAt);
    expect(read.text).not.toContain(second.slice(6));

    // Within the grace: v1,<new> v1,<replaced>; a receiver holding either verifies.
    const during = await deliveredTo(api, hooks);
    expect(signatureOf(during)).toMatch(TWO_SIGNATURES);
    expect([second, first].map((secret) => verifiesWith(secret, during.raw, during.headers))).toEqual([
      true,
      true,
    ]);
    expect(verifiesWith(`whsec_${randomBytes(32).toString('base64')}`, during.raw, during.headers)).toBe(
      false,
    );

    // Rotated again within the grace: the secret of the first rotation is now the replaced one; the first is gone.
    const again = await rotate(api, id);
    expect(again.status).toBe(200);
    const third = again.body.secret as string;
    const twice = await deliveredTo(api, hooks);
    expect(signatureOf(twice)).toMatch(TWO_SIGNATURES);
    expect([third, second, first].map((secret) => verifiesWith(secret, twice.raw, twice.headers))).toEqual([
      true,
      true,
      false,
    ]);

    // After the grace: the new secret only.
    await waitFor(
      async () => Date.now(),
      (now) => now > Date.parse(again.body.previousSecretExpiresAt),
      GRACE_MS + 2_000,
    );
    const after = await deliveredTo(api, hooks);
    expect(signatureOf(after)).toMatch(ONE_SIGNATURE);
    expect([third, second].map((secret) => verifiesWith(secret, after.raw, after.headers))).toEqual([
      true,
      false,
    ]);
    expect(
      (await api.request('GET', `/admin/webhooks/${id}`, { as: OPERATOR })).body.previousSecretExpiresAt,
    ).toBeNull();

    // Each rotation is an audit event naming the operator, never a secret.
    const rotations = audit.mock.calls.filter(
      ([action, fields]) =>
        action === 'webhook-endpoint-secret-rotated' && fields['webhook.endpoint_id'] === id,
    );
    expect(rotations.map(([, fields]) => fields)).toEqual([
      {
        'user.id': 'ops-1',
        'webhook.endpoint_id': id,
        'webhook.previous_secret_expires_at': rotated.body.previousSecretExpiresAt,
      },
      {
        'user.id': 'ops-1',
        'webhook.endpoint_id': id,
        'webhook.previous_secret_expires_at': again.body.previousSecretExpiresAt,
      },
    ]);
    const recorded = JSON.stringify(audit.mock.calls);
    for (const secret of [first, second, third]) expect(recorded).not.toContain(secret.slice(6, 30));
  });

  it('answers 404 for an unknown endpoint, 400 for a malformed id, 403 to a customer and 401 without a token', async () => {
    const unknown = await rotate(api, '00000000-0000-4000-8000-000000000000');
    expect([unknown.status, unknown.body.code]).toEqual([404, 'WEBHOOK_ENDPOINT_NOT_FOUND']);
    expect((await rotate(api, 'not-a-uuid')).status).toBe(400);
    const hooks = await receiver('refused');
    const { id } = await registerReceiver(api, hooks, ['order.created']);
    expect((await rotate(api, id, 'c-42')).status).toBe(403);
    expect((await rotate(api, id, null)).status).toBe(401);
    // Nothing changed: no previous secret.
    const [row] = await api.db.query<{ previous_secret: string | null }>(
      'SELECT previous_secret FROM webhook_endpoints WHERE id = $1',
      [id],
    );
    expect(row.previous_secret).toBeNull();
  });

  describe('an endpoint registered before Standard Webhooks signatures', () => {
    let db: TestDatabase;
    let migrated: RunningApi | undefined;
    let overridden: RunningApi | undefined;
    let hooks: WebhookReceiver;
    let other: WebhookReceiver;
    const former = formerSecret();
    const otherFormer = formerSecret();
    const ids = { endpoint: randomUUID(), other: randomUUID() };

    beforeAll(async () => {
      hooks = await receiver('registered-before');
      other = await receiver('registered-before-too');
      // The database as the former code left it: the schema before the signing migration, and endpoints
      // written as the former registration wrote them.
      db = await createTestDatabase();
      const before = new DataSource({
        type: 'postgres',
        url: db.url,
        migrations: MIGRATIONS.filter((m) => Number(/\d{13}$/.exec(m.name)![0]) < SIGNING_MIGRATION),
      });
      await before.initialize();
      try {
        await before.runMigrations();
        for (const [id, url, secret] of [
          [ids.endpoint, hooks.url, former],
          [ids.other, other.url, otherFormer],
        ])
          await before.query(
            `INSERT INTO webhook_endpoints (id, url, secret, event_types) VALUES ($1, $2, $3, '{order.created}')`,
            [id, url, secret],
          );
      } finally {
        await before.destroy();
      }
      // The API migrates it on start.
      migrated = await startApi(FAST_WEBHOOKS, { db });
      hooks.secret = standardFormOf(former);
      other.secret = standardFormOf(otherFormer);
    });

    afterAll(async () => {
      await migrated?.close();
      await overridden?.close();
      await db?.drop();
    });

    it('gets both signatures for 30 days: the standard one with its key re-encoded, the former one as before', async () => {
      const [row] = await db.query<{ secret: string; legacy_secret: string; days: number }>(
        `SELECT secret, legacy_secret, (EXTRACT(EPOCH FROM legacy_signature_until - now()) / 86400)::float8 AS days
           FROM webhook_endpoints WHERE id = $1`,
        [ids.endpoint],
      );
      expect(row).toEqual({
        secret: standardFormOf(former),
        legacy_secret: former,
        days: expect.any(Number),
      });
      expect(Math.round(row.days)).toBe(30);

      const delivery = await deliveredTo(migrated!, hooks);
      expect(signatureOf(delivery)).toMatch(ONE_SIGNATURE);
      expect(delivery.headers['webhook-signature-legacy']).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
      expect(String(delivery.headers['webhook-signature-legacy'])).toContain(
        `t=${String(delivery.headers['webhook-timestamp'])},`,
      );
      // A receiver still on the former code verifies the former signature with the secret it holds.
      expect(verifiesTheFormerWay(former, delivery)).toBe(true);
      expect(verifiesTheFormerWay(formerSecret(), delivery)).toBe(false);
      // One that moved to the library verifies the standard one with the same key, written as base64.
      expect(delivery.signatureValid).toBe(true);
      expect(verifiesWith(standardFormOf(formerSecret()), delivery.raw, delivery.headers)).toBe(false);

      const read = await migrated!.request('GET', `/admin/webhooks/${ids.endpoint}`, { as: OPERATOR });
      expect(Date.parse(read.body.legacySignatureUntil) - Date.now()).toBeGreaterThan(29 * DAY_MS);
      expect(read.text).not.toMatch(/whsec_/);
    });

    it('an endpoint registered now never gets the former signature', async () => {
      const fresh = await receiver('registered-after');
      const { id } = await registerReceiver(migrated!, fresh, ['order.created']);
      const delivery = await deliveredTo(migrated!, fresh);
      expect(delivery.signatureValid).toBe(true);
      expect(delivery.headers['webhook-signature-legacy']).toBeUndefined();
      await migrated!.request('POST', `/admin/webhooks/${id}/disable`, { as: OPERATOR });
    });

    it('stops the former signature when the window ends', async () => {
      await db.query(
        `UPDATE webhook_endpoints SET legacy_signature_until = now() - interval '1 second' WHERE id = $1`,
        [ids.other],
      );
      const delivery = await deliveredTo(migrated!, other);
      expect(delivery.signatureValid).toBe(true);
      expect(delivery.headers['webhook-signature-legacy']).toBeUndefined();
      const read = await migrated!.request('GET', `/admin/webhooks/${ids.other}`, { as: OPERATOR });
      expect(read.body.legacySignatureUntil).toBeNull();
      await db.query(
        `UPDATE webhook_endpoints SET legacy_signature_until = now() + interval '30 days' WHERE id = $1`,
        [ids.other],
      );
    });

    it('stops the former signature when the secret is rotated', async () => {
      const rotated = await rotate(migrated!, ids.endpoint);
      expect(rotated.status).toBe(200);
      const [row] = await db.query<{ legacy_secret: string | null; legacy_signature_until: Date | null }>(
        'SELECT legacy_secret, legacy_signature_until FROM webhook_endpoints WHERE id = $1',
        [ids.endpoint],
      );
      expect(row).toEqual({ legacy_secret: null, legacy_signature_until: null });

      const delivery = await deliveredTo(migrated!, hooks);
      expect(delivery.headers['webhook-signature-legacy']).toBeUndefined();
      expect(signatureOf(delivery)).toMatch(TWO_SIGNATURES);
      expect(verifiesWith(rotated.body.secret, delivery.raw, delivery.headers)).toBe(true);
      expect(verifiesWith(standardFormOf(former), delivery.raw, delivery.headers)).toBe(true);
      const read = await migrated!.request('GET', `/admin/webhooks/${ids.endpoint}`, { as: OPERATOR });
      expect(read.body.legacySignatureUntil).toBeNull();
    });

    it('stops the former signature for every endpoint at WEBHOOK_LEGACY_SIGNATURES_UNTIL', async () => {
      // The other endpoint is still in its own window; the setting ended everyone's yesterday.
      await migrated!.db.query('UPDATE webhook_endpoints SET enabled = false WHERE id = $1', [ids.endpoint]);
      await migrated!.close();
      migrated = undefined;
      overridden = await startApi(
        { ...FAST_WEBHOOKS, WEBHOOK_LEGACY_SIGNATURES_UNTIL: new Date(Date.now() - DAY_MS).toISOString() },
        { db },
      );
      const delivery = await deliveredTo(overridden, other);
      expect(delivery.signatureValid).toBe(true);
      expect(delivery.headers['webhook-signature-legacy']).toBeUndefined();
      const read = await overridden.request('GET', `/admin/webhooks/${ids.other}`, { as: OPERATOR });
      expect(read.body.legacySignatureUntil).toBeNull();
    });
  });
});
