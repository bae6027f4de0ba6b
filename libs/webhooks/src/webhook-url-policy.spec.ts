import {
  checkWebhookUrl,
  isForbiddenAddress,
  WebhookUrlRefusedError,
  type WebhookUrlPolicy,
} from './webhook-url-policy';

const PRODUCTION: WebhookUrlPolicy = { allowHttp: false, allowedHosts: [] };
const resolvesTo =
  (...addresses: string[]) =>
  async () =>
    addresses;

describe('webhook URL policy (SSRF)', () => {
  it.each([
    '127.0.0.1',
    '10.1.2.3',
    '172.20.0.5',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '::1',
    'fe80::1',
    'fd00:ec2::254',
    '::ffff:127.0.0.1',
    'not-an-address',
  ])('forbids %s', (address) => expect(isForbiddenAddress(address)).toBe(true));

  it.each(['93.184.215.14', '2606:2800:21f:cb07:6820:80da:af6b:8b2c'])(
    'accepts the public address %s',
    (address) => expect(isForbiddenAddress(address)).toBe(false),
  );

  it('accepts https to a host that resolves to public addresses only', async () => {
    const url = await checkWebhookUrl(
      'https://hooks.example.com/orders',
      PRODUCTION,
      resolvesTo('93.184.215.14'),
    );
    expect(url.hostname).toBe('hooks.example.com');
  });

  it.each([
    ['http://hooks.example.com/x', PRODUCTION, resolvesTo('93.184.215.14'), /https/],
    ['ftp://hooks.example.com/x', PRODUCTION, resolvesTo('93.184.215.14'), /https/],
    ['not a url', PRODUCTION, resolvesTo('93.184.215.14'), /absolute URL/],
    ['https://user:pw@hooks.example.com/x', PRODUCTION, resolvesTo('93.184.215.14'), /credentials/],
    [
      'https://169.254.169.254/latest/meta-data',
      PRODUCTION,
      resolvesTo(),
      /private, loopback, link-local or metadata/,
    ],
    ['https://[::1]:8443/x', PRODUCTION, resolvesTo(), /private/],
    // The URL parser writes [::ffff:127.0.0.1] as [::ffff:7f00:1]: still loopback.
    ['https://[::ffff:127.0.0.1]/x', PRODUCTION, resolvesTo(), /private/],
    ['https://[64:ff9b::a9fe:a9fe]/x', PRODUCTION, resolvesTo(), /private/],
    // A public-looking name that resolves (also) to a private address: DNS rebinding, split horizon.
    ['https://evil.example.com/x', PRODUCTION, resolvesTo('93.184.215.14', '10.0.0.7'), /private/],
    [
      'https://nowhere.example.com/x',
      PRODUCTION,
      async () => Promise.reject(new Error('ENOTFOUND')),
      /does not resolve/,
    ],
  ])('refuses %s', async (raw, policy, resolve, message) => {
    const refusal = await checkWebhookUrl(raw, policy, resolve).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(WebhookUrlRefusedError);
    expect((refusal as Error).message).toMatch(message);
  });

  it('accepts an allowed host whatever it resolves to, over http too', async () => {
    const policy = { allowHttp: false, allowedHosts: ['127.0.0.1', 'Receiver.Internal'] };
    await expect(checkWebhookUrl('http://127.0.0.1:4000/hook', policy, resolvesTo())).resolves.toBeInstanceOf(
      URL,
    );
    await expect(
      checkWebhookUrl('http://receiver.internal/hook', policy, resolvesTo('10.0.0.1')),
    ).resolves.toBeInstanceOf(URL);
  });

  it('accepts http in development, still not to private addresses', async () => {
    const development = { allowHttp: true, allowedHosts: [] };
    await expect(
      checkWebhookUrl('http://hooks.example.com/x', development, resolvesTo('93.184.215.14')),
    ).resolves.toBeInstanceOf(URL);
    await expect(
      checkWebhookUrl('http://localhost:3000/x', development, resolvesTo('127.0.0.1')),
    ).rejects.toThrow(/private/);
  });
});
