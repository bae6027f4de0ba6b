import { isTerminalStatus, OPERATOR, orderBody, startApi, type RunningApi } from './support/api-harness';

describe('listing orders, the catalog, restock and OpenAPI (real PostgreSQL)', () => {
  let api: RunningApi;
  const placedIds: string[] = [];

  beforeAll(async () => {
    api = await startApi();
    for (let i = 0; i < 5; i++) {
      const placed = await api.request('POST', '/orders', {
        body: orderBody({ items: [{ sku: 'SKU-003', quantity: i + 1 }] }),
        as: 'c-list',
      });
      placedIds.push(placed.body.id);
    }
    await api.request('POST', '/orders', { body: orderBody(), as: 'c-other' });
    await api.engine.whenIdle();
  });
  afterAll(async () => {
    await api?.close();
  });

  it('pages through the caller’s orders newest first with a keyset cursor', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = `/orders?limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const page = await api.request('GET', query, { as: 'c-list' });
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.items.map((o: { id: string }) => o.id));
      cursor = page.body.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual([...placedIds].reverse());
  });

  it('filters by status', async () => {
    const completed = await api.request('GET', '/orders?status=COMPLETED&limit=100', { as: 'c-list' });
    expect(completed.body.items).toHaveLength(5);
    expect(completed.body.items.every(isTerminalStatus)).toBe(true);
    const pending = await api.request('GET', '/orders?status=PENDING', { as: 'c-list' });
    expect(pending.body).toEqual({ items: [], nextCursor: null });
  });

  it('lists products by SKU with pagination and reads one product', async () => {
    const first = await api.request('GET', '/products?limit=3');
    expect(first.body.items.map((p: { sku: string }) => p.sku)).toEqual(['SKU-001', 'SKU-002', 'SKU-003']);
    const second = await api.request('GET', `/products?limit=3&cursor=${first.body.nextCursor}`);
    expect(second.body.items[0].sku).toBe('SKU-004');
    const one = await api.request('GET', '/products/SKU-002');
    expect(one.body).toEqual({
      sku: 'SKU-002',
      name: 'Ceramic pour-over dripper',
      unitPrice: 3200,
      currency: 'EUR',
      stock: 120,
    });
  });

  it('restocks a product for an operator (a token with the orders:admin scope)', async () => {
    const restocked = await api.request('POST', '/products/SKU-008/restock', {
      body: { quantity: 25 },
      as: OPERATOR,
    });
    expect(restocked.status).toBe(200);
    expect(restocked.body.stock).toBe(325);
    expect((await api.request('GET', '/products/SKU-008')).body.stock).toBe(325);
  });

  it('publishes the OpenAPI document and UI at /docs', async () => {
    const spec = await api.request('GET', '/docs/openapi.json');
    expect(spec.status).toBe(200);
    expect(Object.keys(spec.body.paths).sort()).toEqual([
      '/admin/faults',
      '/admin/orders',
      '/admin/orders/stuck',
      '/admin/orders/{id}',
      '/admin/orders/{id}/cancel',
      '/admin/orders/{id}/resume',
      '/admin/webhooks',
      '/admin/webhooks/{id}',
      '/admin/webhooks/{id}/deliveries',
      '/admin/webhooks/{id}/deliveries/{eventId}/redeliver',
      '/admin/webhooks/{id}/disable',
      '/admin/webhooks/{id}/enable',
      '/admin/webhooks/{id}/rotate-secret',
      '/health/live',
      '/health/ready',
      '/orders',
      '/orders/{id}',
      '/orders/{id}/cancel',
      '/products',
      '/products/{sku}',
      '/products/{sku}/restock',
    ]);
    expect(spec.body.paths['/orders'].post.responses['202']).toBeDefined();
    expect(spec.body.paths['/orders'].post.responses['429']).toBeDefined();
    // The bearer scheme, on every order and operator route and on nothing public.
    expect(spec.body.components.securitySchemes).toEqual({
      bearer: expect.objectContaining({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }),
    });
    const operations = Object.entries(spec.body.paths as Record<string, Record<string, any>>).flatMap(
      ([path, methods]) =>
        Object.entries(methods).map(([method, op]) => ({ route: `${method} ${path}`, op })),
    );
    for (const { route, op } of operations) {
      const isPublic = /^get \/(products|health)/.test(route);
      expect({ route, security: op.security }).toEqual({
        route,
        security: isPublic ? [] : [{ bearer: [] }],
      });
      if (!isPublic) expect({ route, has401: '401' in op.responses }).toEqual({ route, has401: true });
      if (/admin|restock/.test(route))
        expect({ route, has403: '403' in op.responses }).toEqual({ route, has403: true });
    }
    expect(JSON.stringify(spec.body)).not.toMatch(/X-Api-Key/i);
    expect(spec.body.paths['/orders'].get.parameters.map((p: { name: string }) => p.name)).not.toContain(
      'customerId',
    );
    expect(spec.body.components.schemas.PlaceOrderDto.properties).not.toHaveProperty('customerId');
    // What the schema fuzzer checks answers against: reasons are strings, path parameters say their
    // format, and readiness documents its 503.
    const { schemas } = spec.body.components;
    expect(schemas.OrderSummaryResponse.properties.failureReason).toMatchObject({ type: ['string', 'null'] });
    expect(schemas.HistoryEntryResponse.properties.reason).toMatchObject({ type: ['string', 'null'] });
    expect(spec.body.paths['/orders/{id}'].get.parameters[0].schema).toEqual({
      type: 'string',
      format: 'uuid',
    });
    expect(spec.body.paths['/products/{sku}'].get.parameters[0].schema).toMatchObject({
      pattern: expect.any(String),
    });
    expect(Object.keys(spec.body.paths['/health/ready'].get.responses).sort()).toEqual([
      '200',
      '503',
      'default',
    ]);
    const ui = await fetch(`${api.baseUrl}/docs`);
    expect(ui.status).toBe(200);
    expect(await ui.text()).toContain('swagger');
  });
});
