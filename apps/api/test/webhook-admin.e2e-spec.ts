import { WEBHOOK_SECRET_PREFIX } from '@app/webhooks';
import { OPERATOR, startApi, type RunningApi } from './support/api-harness';

/** The operator API of webhooks on the real application (PostgreSQL, bearer tokens), without deliveries. */
describe('webhook endpoints (/admin/webhooks)', () => {
  let api: RunningApi;
  const admin = (method: string, path: string, body?: unknown) =>
    api.request(method, `/admin/webhooks${path}`, { as: OPERATOR, body });

  beforeAll(async () => {
    // Production's URL rules: https only, except to the allowed host.
    api = await startApi({
      WEBHOOK_ALLOW_HTTP: 'false',
      WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
      WEBHOOK_DELIVERY_ENABLED: 'false',
    });
  });

  afterAll(() => api?.close());

  it('registers an endpoint and shows its secret once; reads, lists, updates, disables and deletes it', async () => {
    const created = await admin('POST', '', {
      url: 'http://127.0.0.1:9/hooks',
      eventTypes: ['order.created', 'order.completed', 'order.created'],
      description: 'warehouse',
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      url: 'http://127.0.0.1:9/hooks',
      eventTypes: ['order.created', 'order.completed'],
      enabled: true,
      description: 'warehouse',
    });
    expect(created.body.secret).toMatch(new RegExp(`^${WEBHOOK_SECRET_PREFIX}[A-Za-z0-9+/]{43}=$`));
    const { id, secret } = created.body;

    const read = await admin('GET', `/${id}`);
    expect(read.status).toBe(200);
    expect(read.body.secret).toBeUndefined();
    expect(read.text).not.toContain(secret);
    const listed = await admin('GET', '');
    expect(listed.body.items.map((e: any) => e.id)).toContain(id);
    expect(listed.text).not.toContain(secret);

    const updated = await admin('PATCH', `/${id}`, { eventTypes: ['payment.refunded'], description: null });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({
      eventTypes: ['payment.refunded'],
      description: null,
      enabled: true,
    });

    const disabled = await admin('POST', `/${id}/disable`);
    expect([disabled.status, disabled.body.enabled]).toEqual([200, false]);
    const enabled = await admin('POST', `/${id}/enable`);
    expect([enabled.status, enabled.body.enabled]).toEqual([200, true]);

    expect((await admin('GET', `/${id}/deliveries?status=dead`)).body).toEqual({
      items: [],
      nextCursor: null,
    });
    expect((await admin('DELETE', `/${id}`)).status).toBe(204);
    expect((await admin('GET', `/${id}`)).body.code).toBe('WEBHOOK_ENDPOINT_NOT_FOUND');
    expect((await admin('DELETE', `/${id}`)).status).toBe(404);
  });

  it('refuses bad input with 400 naming each field', async () => {
    const bad = await admin('POST', '', { url: 'not a url', eventTypes: ['order.shipped'], enabled: 'yes' });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((d: any) => d.field).sort()).toEqual(['enabled', 'eventTypes', 'url']);
    const empty = await admin('POST', '', { url: 'https://hooks.example.com/x', eventTypes: [] });
    expect(empty.body.errors).toEqual([
      { field: 'eventTypes', message: expect.stringMatching(/at least 1/) },
    ]);
    const unknown = await admin('POST', '', {
      url: 'https://hooks.example.com/x',
      eventTypes: ['order.created'],
      secret: 'mine',
    });
    expect(unknown.body.errors).toEqual([{ field: 'secret', message: 'is not an accepted field' }]);
    expect((await admin('GET', '/not-a-uuid')).body.errors).toEqual([
      { field: 'id', message: 'must be a UUID' },
    ]);
    const query = await admin('GET', '/00000000-0000-4000-8000-000000000000/deliveries?status=lost');
    expect([query.status, query.body.errors[0].field]).toEqual([400, 'status']);
  });

  it.each([
    ['http://hooks.example.com/x', /https/],
    ['https://169.254.169.254/latest/meta-data', /private, loopback, link-local or metadata/],
    ['https://10.0.0.7/hook', /private/],
    ['https://[::1]:8443/hook', /private/],
    ['https://localhost:8443/hook', /private|does not resolve/],
    ['https://user:pw@127.0.0.1/hook', /credentials/],
  ])('refuses the SSRF target %s with 422 and the reason', async (url, reason) => {
    const refused = await admin('POST', '', { url, eventTypes: ['order.created'] });
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({ code: 'WEBHOOK_URL_REFUSED', errors: [{ field: 'url' }] });
    expect(refused.body.detail).toMatch(reason);
  });

  it('checks a changed URL too', async () => {
    const { body } = await admin('POST', '', { url: 'http://127.0.0.1:9/a', eventTypes: ['order.created'] });
    const refused = await admin('PATCH', `/${body.id}`, { url: 'https://192.168.1.1/b' });
    expect([refused.status, refused.body.code]).toEqual([422, 'WEBHOOK_URL_REFUSED']);
    expect((await admin('GET', `/${body.id}`)).body.url).toBe('http://127.0.0.1:9/a');
  });

  it("refuses a customer's token (403) and no token (401) on every operator route", async () => {
    const id = '00000000-0000-4000-8000-000000000000';
    const routes: Array<[string, string]> = [
      ['POST', ''],
      ['GET', ''],
      ['GET', `/${id}`],
      ['PATCH', `/${id}`],
      ['POST', `/${id}/disable`],
      ['DELETE', `/${id}`],
      ['GET', `/${id}/deliveries`],
      ['POST', `/${id}/deliveries/${id}/redeliver`],
    ];
    for (const [method, path] of routes) {
      const body = method === 'GET' || method === 'DELETE' ? undefined : {};
      const customer = await api.request(method, `/admin/webhooks${path}`, { as: 'c-42', body });
      const anonymous = await api.request(method, `/admin/webhooks${path}`, { as: null, body });
      expect({ route: `${method} ${path}`, customer: customer.status, anonymous: anonymous.status }).toEqual({
        route: `${method} ${path}`,
        customer: 403,
        anonymous: 401,
      });
    }
  });

  it('answers 404 for a redelivery of an event the endpoint never had', async () => {
    const { body } = await admin('POST', '', { url: 'http://127.0.0.1:9/c', eventTypes: ['order.created'] });
    const missing = await admin(
      'POST',
      `/${body.id}/deliveries/00000000-0000-4000-8000-000000000001/redeliver`,
    );
    expect([missing.status, missing.body.code]).toEqual([404, 'WEBHOOK_DELIVERY_NOT_FOUND']);
  });

  it('documents the routes in OpenAPI with the bearer scheme', async () => {
    const { body } = await api.request('GET', '/docs/openapi.json', { as: null });
    const paths = Object.keys(body.paths).filter((p) => p.startsWith('/admin/webhooks'));
    expect(paths.sort()).toEqual([
      '/admin/webhooks',
      '/admin/webhooks/{id}',
      '/admin/webhooks/{id}/deliveries',
      '/admin/webhooks/{id}/deliveries/{eventId}/redeliver',
      '/admin/webhooks/{id}/disable',
      '/admin/webhooks/{id}/enable',
      '/admin/webhooks/{id}/rotate-secret',
    ]);
    for (const path of paths)
      for (const operation of Object.values<any>(body.paths[path]))
        expect(operation.security).toEqual([{ bearer: [] }]);
  });
});
