import { readFileSync } from 'node:fs';
import { createApiClient } from '../../../load-generator/api-client';
import type { components } from '../../../load-generator/api-schema';
import { OPENAPI_DOCUMENT_FILE } from '../../../scripts/openapi';
import { testCardExpiry } from '../../../tooling/order-requests';
import { startApi, type RunningApi } from './support/api-harness';

/**
 * The document the running API serves is the committed docs/openapi.json, whatever the API's settings, and
 * the typed client generated from it (load-generator/api-schema.ts) talks to the API as documented.
 */
describe('OpenAPI document served by the running API', () => {
  let api: RunningApi;

  beforeAll(async () => {
    // Settings that change what the API does, not what it documents.
    api = await startApi({ ORDER_RATE_LIMIT_PER_MINUTE: '5', SEED_DEMO_CATALOG: 'true' });
  });
  afterAll(async () => {
    await api?.close();
  });

  it('serves docs/openapi.json at /docs/openapi.json, key for key and in the same order', async () => {
    const served = await api.request('GET', '/docs/openapi.json', { as: null });
    expect(served.status).toBe(200);
    const committed = JSON.parse(readFileSync(OPENAPI_DOCUMENT_FILE, 'utf8'));
    // In order of keys too: a difference is reported as the first line that differs.
    expect(JSON.stringify(served.body, null, 2).split('\n')).toEqual(
      JSON.stringify(committed, null, 2).split('\n'),
    );
  });

  it('answers the typed client as documented: placeOrder with its headers, an unknown order as problem details', async () => {
    const client = createApiClient(api.baseUrl, 10_000);
    const authorization = (await api.tokens.headers('c-openapi')).authorization;
    const body: components['schemas']['PlaceOrderDto'] = {
      items: [{ sku: 'SKU-001', quantity: 1 }],
      shippingAddress: {
        name: 'Ada',
        line1: '1 Main St',
        city: 'Berlin',
        postalCode: '10115',
        country: 'DE',
      },
      payment: { method: 'card', cardNumber: '4242424242424242', ...testCardExpiry(), cvv: '123' },
    };
    const placed = await client.POST('/orders', {
      body,
      headers: { authorization, 'Idempotency-Key': 'openapi-e2e-1' },
    });
    expect(placed.response.status).toBe(202);
    expect(placed.response.headers.get('location')).toBe(`/orders/${placed.data?.id}`);
    expect(placed.response.headers.get('ratelimit-policy')).toBe('"orders";q=5;w=60');
    expect(placed.response.headers.get('ratelimit')).toMatch(/^"orders";r=4;t=\d+$/);

    const missing = await client.GET('/orders/{id}', {
      params: { path: { id: '00000000-0000-4000-8000-000000000000' } },
      headers: { authorization },
    });
    expect(missing.response.status).toBe(404);
    expect(missing.response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(missing.error).toMatchObject({
      status: 404,
      code: 'ORDER_NOT_FOUND',
      instance: expect.any(String),
    });
  });
});
