import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { DataSource } from 'typeorm';
import { createTestDatabase, type TestDatabase } from '../../../../tooling/database';
import {
  legacyFormOfWebhookSecret,
  reencodeWebhookSecret,
  WebhookSigning1764500000000,
} from './1764500000000-webhook-signing.migration';
import { MIGRATIONS } from './index';

/** A secret as endpoints were registered with before: whsec_ and the base64url of 32 random bytes. */
const formerSecret = (key = randomBytes(32)) => `whsec_${key.toString('base64url')}`;

describe('re-encoding webhook secrets for Standard Webhooks', () => {
  it('keeps the key bytes, written as standard base64 with padding', () => {
    for (let i = 0; i < 200; i++) {
      const key = randomBytes(32);
      const reencoded = reencodeWebhookSecret(formerSecret(key))!;
      expect(reencoded).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
      expect(Buffer.from(reencoded.slice(6), 'base64').equals(key)).toBe(true);
      // The library reads the same key: it signs as an HMAC keyed with those bytes.
      const signature = new Webhook(reencoded).sign('msg', new Date(1_800_000_000_000), 'body');
      const expected = createHmac('sha256', key).update('msg.1800000000.body').digest('base64');
      expect(signature).toBe(`v1,${expected}`);
    }
  });

  it('turns - and _ into + and /, and pads by the length', () => {
    expect(reencodeWebhookSecret('whsec_-_8')).toBe('whsec_+/8=');
    expect(reencodeWebhookSecret('whsec_-_-_')).toBe('whsec_+/+/');
    expect(reencodeWebhookSecret('whsec_AA')).toBe('whsec_AA==');
    expect(reencodeWebhookSecret('whsec_AAA')).toBe('whsec_AAA=');
    expect(reencodeWebhookSecret('whsec_AAAA')).toBe('whsec_AAAA');
    expect(reencodeWebhookSecret('whsec_AAA=')).toBe('whsec_AAA=');
  });

  it.each(['whsec_', 'whsec_x', 'whsec_AAAAA', 'whsec_a b', 'whsec_ab*c', 'sk_AAAA', 'AAAA'])(
    'finds no key in %p',
    (secret) => expect(reencodeWebhookSecret(secret)).toBeNull(),
  );

  it('writes the former form back from the standard one', () => {
    const former = formerSecret();
    expect(legacyFormOfWebhookSecret(reencodeWebhookSecret(former)!)).toBe(former);
  });
});

describe('the webhook signing migration', () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  const migration = new WebhookSigning1764500000000();
  const endpoint = async (secret: string) => {
    const id = randomUUID();
    await dataSource.query(
      `INSERT INTO webhook_endpoints (id, url, secret, event_types) VALUES ($1, 'https://hooks.example.com/x', $2, '{order.created}')`,
      [id, secret],
    );
    return id;
  };
  const row = async (id: string) => {
    const [found] = await dataSource.query<
      Array<{
        secret: string;
        legacy_secret: string | null;
        legacy_days: number | null;
        previous_secret: null;
      }>
    >(
      `SELECT secret, legacy_secret, previous_secret,
              round(EXTRACT(EPOCH FROM legacy_signature_until - now()) / 86400)::int AS legacy_days
         FROM webhook_endpoints WHERE id = $1`,
      [id],
    );
    return found;
  };

  beforeAll(async () => {
    db = await createTestDatabase('webhook_signing_spec');
    // The schema as it was before: every migration older than this one.
    const before = MIGRATIONS.filter((m) => Number(/\d{13}$/.exec(m.name)![0]) < 1764500000000);
    dataSource = new DataSource({ type: 'postgres', url: db.url, migrations: before, poolSize: 2 });
    await dataSource.initialize();
    await dataSource.runMigrations();
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });

  it('re-encodes every secret, keeps the text receivers hold for the former signature for 30 days, and goes back down', async () => {
    const formers = [formerSecret(), formerSecret(), 'whsec_x'];
    const ids = await Promise.all(formers.map(endpoint));
    const runner = dataSource.createQueryRunner();
    try {
      await migration.up(runner);
      const [first, second, handWritten] = await Promise.all(ids.map(row));
      expect(first).toEqual({
        secret: reencodeWebhookSecret(formers[0]),
        legacy_secret: formers[0],
        previous_secret: null,
        legacy_days: 30,
      });
      expect(second.secret).toBe(reencodeWebhookSecret(formers[1]));
      // No key in it: a new one; the receiver verifies the former signature until the secret is rotated.
      expect(handWritten).toMatchObject({ legacy_secret: 'whsec_x', legacy_days: 30 });
      expect(handWritten.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);

      // An endpoint registered afterwards has neither.
      const laterSecret = `whsec_${randomBytes(32).toString('base64')}`;
      const later = await endpoint(laterSecret);
      expect(await row(later)).toMatchObject({ legacy_secret: null, legacy_days: null });
      // A legacy secret without its end (or the reverse) is refused.
      await expect(
        dataSource.query('UPDATE webhook_endpoints SET legacy_signature_until = NULL WHERE id = $1', [
          ids[0],
        ]),
      ).rejects.toThrow(/webhook_endpoints_legacy_signature/);

      // Down: the text the former signature is keyed with, the base64url form for a later endpoint.
      await migration.down(runner);
      const restored = await dataSource.query<Array<{ id: string; secret: string }>>(
        'SELECT id, secret FROM webhook_endpoints',
      );
      expect(Object.fromEntries(restored.map((r) => [r.id, r.secret]))).toEqual({
        [ids[0]]: formers[0],
        [ids[1]]: formers[1],
        [ids[2]]: 'whsec_x',
        [later]: legacyFormOfWebhookSecret(laterSecret),
      });
      expect(legacyFormOfWebhookSecret(laterSecret)).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    } finally {
      await runner.release();
    }
  });
});
