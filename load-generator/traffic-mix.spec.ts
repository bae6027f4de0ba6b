import { seededRandom } from './random';
import {
  ACCEPTED_CARD,
  DECLINED_CARD,
  TrafficMix,
  headerValue,
  orderIdFromLocation,
  type PlannedRequest,
  type TrafficMixConfig,
} from './traffic-mix';

const CATALOG = ['SKU-001', 'SKU-002', 'SKU-003', 'SKU-004'];
/** Stand-in tokens: the header names its customer, so tests can see who a request is sent as. */
const credentials = {
  customers: Array.from({ length: 10 }, (_, i) => `c-load-${i + 1}`),
  authorization: (customer: string) => `Bearer token-of-${customer}`,
};
const customerOf = (request: PlannedRequest) =>
  /^Bearer token-of-(.+)$/.exec(request.headers.authorization)?.[1];
const config = (overrides: Partial<TrafficMixConfig> = {}): TrafficMixConfig => ({
  mix: { browse: 25, product: 20, order: 25, read: 20, list: 10 },
  badRatio: 0,
  declineRatio: 0,
  cancelRatio: 0,
  idempotencyRatio: 0,
  replayRatio: 0,
  credentials,
  runTag: 'test',
  ...overrides,
});
const orderOnly = { browse: 0, product: 0, order: 1, read: 0, list: 0 };
let ids = 0;
/** What the API answers to an accepted order. */
const accept = (mix: TrafficMix, request: PlannedRequest) => {
  const id = `00000000-0000-4000-8000-${String(++ids).padStart(12, '0')}`;
  mix.tally(request, 202, { Location: `/orders/${id}` });
  return id;
};

describe('TrafficMix', () => {
  it('sends the share of bad requests asked for, every kind in turn with its expected status', () => {
    const mix = new TrafficMix(config({ badRatio: 0.2 }), CATALOG, seededRandom(11));
    const requests = Array.from({ length: 10_000 }, () => mix.next());
    const bad = requests.filter((r) =>
      ['bad-body', 'unknown-sku', 'bad-id', 'unknown-route', 'bad-token'].includes(r.action),
    );
    expect(bad.length / requests.length).toBeGreaterThan(0.19);
    expect(bad.length / requests.length).toBeLessThan(0.21);
    expect(bad.slice(0, 5).map((r) => r.action)).toEqual([
      'bad-body',
      'unknown-sku',
      'bad-id',
      'unknown-route',
      'bad-token',
    ]);
    const byKind = (action: string) => bad.filter((r) => r.action === action);
    // Only the credentials are wrong in a bad-token request; the others carry a customer's token.
    for (const r of bad.filter((b) => !['unknown-route', 'bad-token'].includes(b.action)))
      expect(credentials.customers).toContain(customerOf(r));
    for (const r of byKind('bad-body'))
      expect(r).toMatchObject({ method: 'POST', path: '/orders', expected: [400] });
    for (const r of byKind('unknown-sku')) {
      expect(r.expected).toEqual([422]);
      expect(JSON.parse(r.body!).items[0].sku).toMatch(/^NO-SUCH-SKU-\d+$/);
    }
    for (const r of byKind('bad-id'))
      expect(r.path).toMatch(/^\/orders\/(not-an-order-id|12345|ffffffff-ffff)(\/cancel)?$/);
    for (const r of byKind('unknown-route')) expect(r).toMatchObject({ method: 'GET', expected: [404] });
    const badTokens = byKind('bad-token');
    for (const r of badTokens) {
      expect(r).toMatchObject({ path: expect.stringMatching(/^\/orders/), expected: [401] });
      expect(customerOf(r)).toBeUndefined();
    }
    expect(new Set(badTokens.map((r) => r.headers.authorization))).toEqual(
      new Set([undefined, 'Bearer not-a-jwt', 'Basic YzpzZWNyZXQ=']),
    );
  });

  it('places orders with the public body as a customer’s token: 1–3 distinct catalog SKUs, 1–2 each, a valid card', () => {
    const mix = new TrafficMix(config({ mix: orderOnly, declineRatio: 0.3 }), CATALOG, seededRandom(5));
    const orders = Array.from({ length: 2_000 }, () => mix.next());
    const lineCounts = new Set<number>();
    let declined = 0;
    for (const request of orders) {
      expect(request).toMatchObject({ action: 'order', method: 'POST', path: '/orders', expected: [202] });
      expect(request.headers['content-type']).toBe('application/json');
      const body = JSON.parse(request.body!);
      expect(body).not.toHaveProperty('customerId');
      expect(customerOf(request)).toMatch(/^c-load-([1-9]|10)$/);
      expect(request.order!.customerId).toBe(customerOf(request));
      lineCounts.add(body.items.length);
      expect(new Set(body.items.map((i: any) => i.sku)).size).toBe(body.items.length);
      for (const item of body.items) {
        expect(CATALOG).toContain(item.sku);
        expect([1, 2]).toContain(item.quantity);
      }
      expect(body.shippingAddress).toMatchObject({
        name: expect.any(String),
        country: expect.stringMatching(/^[A-Z]{2}$/),
      });
      expect(body.payment).toMatchObject({ method: 'card', cvv: '123' });
      expect(body.payment.expiryYear).toBeGreaterThan(new Date().getUTCFullYear());
      expect([ACCEPTED_CARD, DECLINED_CARD]).toContain(body.payment.cardNumber);
      expect(request.order!.declinedCard).toBe(body.payment.cardNumber === DECLINED_CARD);
      if (request.order!.declinedCard) declined++;
    }
    expect([...lineCounts].sort()).toEqual([1, 2, 3]);
    expect(declined / orders.length).toBeCloseTo(0.3, 1);
  });

  it('reads and lists only once an order exists, using the ids and customers the API answered with', () => {
    const mix = new TrafficMix(
      config({ mix: { browse: 0, product: 0, order: 0, read: 1, list: 1 } }),
      CATALOG,
      seededRandom(2),
    );
    const first = mix.next();
    expect(first.action).toBe('order'); // nothing to read yet
    const id = accept(mix, first);
    const customer = customerOf(first);
    const next = Array.from({ length: 50 }, () => mix.next());
    for (const request of next.filter((r) => r.action === 'read')) {
      expect(request.path).toBe(`/orders/${id}`);
      expect(customerOf(request)).toBe(customer);
    }
    for (const request of next.filter((r) => r.action === 'list')) {
      expect(request.path).toMatch(/^\/orders\?limit=20(&status=COMPLETED)?$/);
      expect(customerOf(request)).toBe(customer);
    }
    expect(new Set(next.map((r) => r.action))).toEqual(new Set(['read', 'list']));
    expect(mix.placedOrders()).toEqual(new Map([[id, customer]]));
  });

  it('replays a keyed order with the same key and body once accepted, and counts confirmed replays', () => {
    let now = 0;
    const mix = new TrafficMix(
      config({ mix: orderOnly, idempotencyRatio: 1, replayRatio: 1 }),
      CATALOG,
      seededRandom(3),
      () => now,
    );
    const original = mix.next();
    expect(original.headers['idempotency-key']).toBe('load-test-1');
    const id = accept(mix, original);
    now += 1_000; // follow-ups are due within a second
    const replay = mix.next();
    expect(replay).toMatchObject({ action: 'replay', method: 'POST', path: '/orders', body: original.body });
    expect(replay.headers['idempotency-key']).toBe('load-test-1');
    mix.tally(replay, 202, { location: `/orders/${id}`, 'Idempotent-Replayed': 'true' });
    expect(mix.next().action).toBe('order'); // a replay is sent once
    expect(mix.orderCounts()).toMatchObject({
      placed: 1,
      withIdempotencyKey: 1,
      replays: 1,
      replaysConfirmed: 1,
    });
  });

  it('does not count a replay answered without Idempotent-Replayed as confirmed', () => {
    let now = 0;
    const mix = new TrafficMix(
      config({ mix: orderOnly, idempotencyRatio: 1, replayRatio: 1 }),
      CATALOG,
      seededRandom(3),
      () => now,
    );
    const id = accept(mix, mix.next());
    now += 1_000;
    mix.tally(mix.next(), 202, { location: `/orders/${id}` });
    expect(mix.orderCounts()).toMatchObject({ placed: 1, replays: 1, replaysConfirmed: 0 });
  });

  it('cancels the share of accepted orders asked for, expecting 202 or 409', () => {
    let now = 0;
    const mix = new TrafficMix(
      config({ mix: orderOnly, cancelRatio: 0.5 }),
      CATALOG,
      seededRandom(8),
      () => now,
    );
    const placed: string[] = [];
    const cancels: PlannedRequest[] = [];
    while (placed.length < 400) {
      const request = mix.next(); // cancellations due at once come between the orders
      if (request.action === 'cancel') cancels.push(request);
      else placed.push(accept(mix, request));
    }
    now += 1_000;
    for (let request = mix.next(); request.action === 'cancel'; request = mix.next()) cancels.push(request);
    expect(cancels.length / placed.length).toBeCloseTo(0.5, 1);
    const owners = mix.placedOrders();
    for (const cancel of cancels) {
      expect(cancel).toMatchObject({ method: 'POST', expected: [202, 409] });
      const id = /^\/orders\/(.+)\/cancel$/.exec(cancel.path)![1];
      expect(placed).toContain(id);
      expect(customerOf(cancel)).toBe(owners.get(id));
    }
    mix.tally(cancels[0], 202, {});
    mix.tally(cancels[1], 409, {});
    expect(mix.orderCounts()).toMatchObject({ cancelsAccepted: 1, cancelsRefused: 1 });
  });

  it('counts an order once: not for error answers, not for a repeated id', () => {
    const mix = new TrafficMix(config({ mix: orderOnly }), CATALOG, seededRandom(1));
    const request = mix.next();
    mix.tally(request, 400, {});
    mix.tally(request, 503, { location: '/orders/x' });
    mix.tally(request, 202, { location: '/orders/a' });
    mix.tally(request, 202, { location: '/orders/a' });
    expect(mix.orderCounts().placed).toBe(1);
  });

  it('repeats the same requests for the same seed', () => {
    const draw = () => {
      const mix = new TrafficMix(config({ badRatio: 0.1, declineRatio: 0.2 }), CATALOG, seededRandom(77));
      return Array.from({ length: 200 }, () => mix.next()).map(
        (r) => `${r.method} ${r.path} ${r.body ?? ''}`,
      );
    };
    expect(draw()).toEqual(draw());
  });
});

describe('headerValue and orderIdFromLocation', () => {
  it('finds headers whatever their case and takes the first of repeated ones', () => {
    expect(headerValue({ Location: '/orders/1' }, 'location')).toBe('/orders/1');
    expect(headerValue({ 'idempotent-replayed': ['true', 'x'] }, 'idempotent-replayed')).toBe('true');
    expect(headerValue({}, 'location')).toBeUndefined();
  });

  it('takes the order id from a Location header', () => {
    expect(orderIdFromLocation('/orders/3f1c')).toBe('3f1c');
    expect(orderIdFromLocation('http://h:1/orders/3f1c')).toBe('3f1c');
    expect(orderIdFromLocation('/products/SKU-1')).toBeUndefined();
    expect(orderIdFromLocation(undefined)).toBeUndefined();
  });
});
