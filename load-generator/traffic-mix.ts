import { ALWAYS_DECLINED_CARD } from '@app/payments';
import type { components } from './api-schema';
import type { Credentials } from './credentials';
import { chance, pick, randomInt, weightedChoice, type Random } from './random';

/** Requests drawn from the weighted mix. */
export const MIX_ACTIONS = ['browse', 'product', 'order', 'read', 'list'] as const;
export type MixAction = (typeof MIX_ACTIONS)[number];
export type MixWeights = Record<MixAction, number>;

/** Requests that follow up an accepted order: a replay under the same Idempotency-Key, a cancellation. */
export const FOLLOW_UP_ACTIONS = ['replay', 'cancel'] as const;
/** Deliberately invalid requests, sent in turn so every kind shows up. */
export const BAD_ACTIONS = ['bad-body', 'unknown-sku', 'bad-id', 'unknown-route', 'bad-token'] as const;

export type Action = MixAction | (typeof FOLLOW_UP_ACTIONS)[number] | (typeof BAD_ACTIONS)[number];
export const ACTIONS: readonly Action[] = [...MIX_ACTIONS, ...FOLLOW_UP_ACTIONS, ...BAD_ACTIONS];

export const ACCEPTED_CARD = '4242424242424242';
/** The simulated provider always declines this card, like the well-known payment sandboxes. */
export const DECLINED_CARD = ALWAYS_DECLINED_CARD;

export interface TrafficMixConfig {
  mix: MixWeights;
  /** Share of all requests that are deliberately invalid. */
  badRatio: number;
  /** Share of orders paid with the always-declined card. */
  declineRatio: number;
  /** Share of accepted orders that get a cancellation request shortly after. */
  cancelRatio: number;
  /** Share of orders sent with an Idempotency-Key. */
  idempotencyRatio: number;
  /** Share of keyed orders sent again with the same key and body once accepted. */
  replayRatio: number;
  /** The customers requests are sent as, with their bearer tokens. */
  credentials: Credentials;
  /** Makes this run's Idempotency-Keys unique, so a new run never collides with an earlier one. */
  runTag: string;
}

export interface PlannedOrder {
  /** Who places it: the token's subject. */
  customerId: string;
  declinedCard: boolean;
  idempotencyKey?: string;
  /** Send it again with the same key and body once accepted. */
  replay: boolean;
  /** Ask to cancel it once accepted. */
  cancel: boolean;
  /** On a replay: the order the original request created. */
  originalId?: string;
}

/** One HTTP request of the load, with the answers that are normal for it. */
export interface PlannedRequest {
  action: Action;
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body?: string;
  expected: readonly number[];
  order?: PlannedOrder;
}

export interface OrderCounts {
  /** Distinct orders the API accepted (202 without Idempotent-Replayed). */
  placed: number;
  declinedCard: number;
  withIdempotencyKey: number;
  replays: number;
  /** Replays answered with Idempotent-Replayed: true and the original order. */
  replaysConfirmed: number;
  cancelsAccepted: number;
  cancelsRefused: number;
}

export type ResponseHeaders = Record<string, string | string[] | undefined>;

/** The body of `placeOrder`, as the API's OpenAPI document has it. */
type PlaceOrderBody = components['schemas']['PlaceOrderDto'];

const JSON_HEADERS = { 'content-type': 'application/json' };
const ADDRESSES: Array<PlaceOrderBody['shippingAddress']> = [
  { name: 'Ada Lovelace', line1: '1 Main St', city: 'Berlin', postalCode: '10115', country: 'DE' },
  { name: 'Grace Hopper', line1: '12 Rue de Rivoli', city: 'Paris', postalCode: '75001', country: 'FR' },
  {
    name: 'Alan Turing',
    line1: 'Damrak 5',
    line2: 'Floor 3',
    city: 'Amsterdam',
    postalCode: '1012 LG',
    country: 'NL',
  },
  { name: 'Edsger Dijkstra', line1: 'Via Roma 10', city: 'Milano', postalCode: '20121', country: 'IT' },
];
const INVALID_BODIES = [
  { items: [] },
  { items: [{ sku: 'SKU-001', quantity: 0 }] },
  { items: [{ sku: 'SKU-001', quantity: 1 }], payment: { method: 'cash' } },
  { customerId: 'c-load-1', items: [{ sku: 'SKU-001', quantity: 1 }] }, // the customer is the token's
];
/** Credentials the API refuses with 401. */
const BAD_AUTHORIZATIONS = [undefined, 'Bearer not-a-jwt', 'Basic YzpzZWNyZXQ='];
const MALFORMED_IDS = ['not-an-order-id', '12345', 'ffffffff-ffff'];
const UNKNOWN_ROUTES = [
  '/no-such-page',
  '/api/v0/orders',
  '/products/SKU-001/reviews',
  '/orders/export.csv/x',
];
/** Follow-ups go out a little later, so some cancellations meet orders that already shipped (409). */
const FOLLOW_UP_DELAY_MS = { replay: [0, 1_000], cancel: [0, 400] } as const;
const MAX_PENDING_FOLLOW_UPS = 1_000;
const RECENT_ORDERS = 500;

/**
 * Decides what the next request is and learns from the answers: which orders exist (for reads, lists
 * and cancellations), which keyed orders to replay. Everything random comes from `random`, so a seeded
 * generator replays the same choices.
 */
export class TrafficMix {
  private readonly placed = new Map<string, string>();
  /** The customer of each recent order: it is read back with their token. */
  private readonly owners = new Map<string, string>();
  private readonly recentOrders: string[] = [];
  private readonly customersWithOrders = new Set<string>();
  private readonly followUps: Array<{ at: number; request: PlannedRequest }> = [];
  private readonly counts: OrderCounts = {
    placed: 0,
    declinedCard: 0,
    withIdempotencyKey: 0,
    replays: 0,
    replaysConfirmed: 0,
    cancelsAccepted: 0,
    cancelsRefused: 0,
  };
  private badTurn = 0;
  private sequence = 0;
  private readonly expiryYear = new Date().getUTCFullYear() + 3;

  constructor(
    private readonly config: TrafficMixConfig,
    private readonly catalog: readonly string[],
    private readonly random: Random,
    private readonly now: () => number = Date.now,
  ) {
    if (catalog.length === 0) throw new Error('the catalog is empty: there is nothing to order');
  }

  /** The next request: a bad one (share `badRatio`), else a due follow-up, else one from the mix. */
  next(): PlannedRequest {
    if (chance(this.random, this.config.badRatio)) return this.badRequest();
    const due = this.takeDueFollowUp();
    if (due) return due;
    return this.fromMix(weightedChoice(this.random, this.config.mix));
  }

  /** Learns from an answer: accepted orders, replays and cancellations. */
  tally(request: PlannedRequest, status: number, headers: ResponseHeaders): void {
    if (request.action === 'cancel') {
      if (status === 202) this.counts.cancelsAccepted++;
      if (status === 409) this.counts.cancelsRefused++;
      return;
    }
    const order = request.order;
    if (!order || status !== 202 || (request.action !== 'order' && request.action !== 'replay')) return;
    const id = orderIdFromLocation(headerValue(headers, 'location'));
    const replayed = headerValue(headers, 'idempotent-replayed') === 'true';
    if (request.action === 'replay') {
      this.counts.replays++;
      if (replayed && id === order.originalId) this.counts.replaysConfirmed++;
      return;
    }
    if (!id || replayed || this.placed.has(id)) return;
    this.placed.set(id, order.customerId);
    this.owners.set(id, order.customerId);
    this.counts.placed++;
    if (order.declinedCard) this.counts.declinedCard++;
    if (order.idempotencyKey) this.counts.withIdempotencyKey++;
    this.recentOrders.push(id);
    if (this.recentOrders.length > RECENT_ORDERS) this.owners.delete(this.recentOrders.shift()!);
    this.customersWithOrders.add(order.customerId);
    if (order.replay && order.idempotencyKey) {
      this.schedule(FOLLOW_UP_DELAY_MS.replay, {
        ...request,
        action: 'replay',
        order: { ...order, replay: false, cancel: false, originalId: id },
      });
    }
    if (order.cancel) {
      this.schedule(FOLLOW_UP_DELAY_MS.cancel, {
        action: 'cancel',
        method: 'POST',
        path: `/orders/${id}/cancel`,
        headers: this.auth(order.customerId),
        expected: [202, 409],
      });
    }
  }

  /** Every order the API accepted during this run, with its customer id (its token's subject). */
  placedOrders(): ReadonlyMap<string, string> {
    return this.placed;
  }

  orderCounts(): OrderCounts {
    return { ...this.counts };
  }

  private fromMix(action: MixAction): PlannedRequest {
    if ((action === 'read' || action === 'list') && this.recentOrders.length === 0) return this.order();
    switch (action) {
      case 'browse':
        return this.get(
          'browse',
          chance(this.random, 0.5) ? '/products' : `/products?limit=${pick(this.random, [5, 20])}`,
        );
      case 'product':
        return this.get('product', `/products/${encodeURIComponent(pick(this.random, this.catalog))}`);
      case 'order':
        return this.order();
      case 'read': {
        const id = pick(this.random, this.recentOrders);
        return this.get('read', `/orders/${id}`, [200], this.owners.get(id));
      }
      case 'list': {
        const customer = pick(this.random, [...this.customersWithOrders]);
        const status = chance(this.random, 0.25) ? '&status=COMPLETED' : '';
        return this.get('list', `/orders?limit=20${status}`, [200], customer);
      }
    }
  }

  private order(): PlannedRequest {
    const customerId = this.customer();
    const declinedCard = chance(this.random, this.config.declineRatio);
    const keyed = chance(this.random, this.config.idempotencyRatio);
    const replay = keyed && chance(this.random, this.config.replayRatio);
    const cancel = chance(this.random, this.config.cancelRatio);
    const idempotencyKey = keyed ? `load-${this.config.runTag}-${++this.sequence}` : undefined;
    return {
      action: 'order',
      method: 'POST',
      path: '/orders',
      headers: {
        ...JSON_HEADERS,
        ...this.auth(customerId),
        ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}),
      },
      body: JSON.stringify(this.orderBody(this.lines(), declinedCard)),
      expected: [202],
      order: { customerId, declinedCard, idempotencyKey, replay, cancel },
    };
  }

  /** The POST /orders body of the public interface (the customer is the token's subject). */
  private orderBody(items: PlaceOrderBody['items'], declinedCard: boolean): PlaceOrderBody {
    return {
      items,
      shippingAddress: pick(this.random, ADDRESSES),
      payment: {
        method: 'card',
        cardNumber: declinedCard ? DECLINED_CARD : ACCEPTED_CARD,
        expiryMonth: randomInt(this.random, 1, 12),
        expiryYear: this.expiryYear,
        cvv: '123',
      },
    };
  }

  /** 1–3 lines of distinct catalog SKUs, 1–2 of each. */
  private lines(): Array<{ sku: string; quantity: number }> {
    const skus = [...this.catalog];
    const count = randomInt(this.random, 1, Math.min(3, skus.length));
    return Array.from({ length: count }, () => {
      const [sku] = skus.splice(Math.floor(this.random() * skus.length), 1);
      return { sku, quantity: randomInt(this.random, 1, 2) };
    });
  }

  private badRequest(): PlannedRequest {
    const kind = BAD_ACTIONS[this.badTurn++ % BAD_ACTIONS.length];
    switch (kind) {
      case 'bad-body':
        return this.post(kind, '/orders', JSON.stringify(pick(this.random, INVALID_BODIES)), [400]);
      case 'unknown-sku': {
        const items = [{ sku: `NO-SUCH-SKU-${randomInt(this.random, 1, 999)}`, quantity: 1 }];
        return this.post(kind, '/orders', JSON.stringify(this.orderBody(items, false)), [422]);
      }
      case 'bad-id': {
        const id = pick(this.random, MALFORMED_IDS);
        return chance(this.random, 0.5)
          ? this.get(kind, `/orders/${id}`, [400], this.customer())
          : {
              action: kind,
              method: 'POST',
              path: `/orders/${id}/cancel`,
              headers: this.auth(this.customer()),
              expected: [400],
            };
      }
      case 'unknown-route':
        return this.get(kind, pick(this.random, UNKNOWN_ROUTES), [404]);
      case 'bad-token': {
        const authorization = pick(this.random, BAD_AUTHORIZATIONS);
        const headers: Record<string, string> = authorization ? { authorization } : {};
        return chance(this.random, 0.5)
          ? { action: kind, method: 'GET', path: '/orders?limit=20', headers, expected: [401] }
          : {
              ...this.post(kind, '/orders', JSON.stringify(this.orderBody(this.lines(), false)), [401]),
              headers: { ...JSON_HEADERS, ...headers },
            };
      }
    }
  }

  /** A GET, as `customer` when given (order routes), anonymous otherwise (catalog, unknown routes). */
  private get(
    action: Action,
    path: string,
    expected: readonly number[] = [200],
    customer?: string,
  ): PlannedRequest {
    return { action, method: 'GET', path, headers: customer ? this.auth(customer) : {}, expected };
  }

  /** A JSON POST as a random customer. */
  private post(action: Action, path: string, body: string, expected: readonly number[]): PlannedRequest {
    return {
      action,
      method: 'POST',
      path,
      headers: { ...JSON_HEADERS, ...this.auth(this.customer()) },
      body,
      expected,
    };
  }

  private auth(customer: string): Record<string, string> {
    return { authorization: this.config.credentials.authorization(customer) };
  }

  private customer(): string {
    return pick(this.random, this.config.credentials.customers);
  }

  private schedule([min, max]: readonly [number, number], request: PlannedRequest): void {
    if (this.followUps.length >= MAX_PENDING_FOLLOW_UPS) return;
    this.followUps.push({ at: this.now() + randomInt(this.random, min, max), request });
  }

  private takeDueFollowUp(): PlannedRequest | undefined {
    const now = this.now();
    const index = this.followUps.findIndex((f) => f.at <= now);
    return index < 0 ? undefined : this.followUps.splice(index, 1)[0].request;
  }
}

/** A header's value, whatever the case of its name; the first one when repeated. */
export function headerValue(headers: ResponseHeaders, name: string): string | undefined {
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
  const value = key === undefined ? undefined : headers[key];
  return Array.isArray(value) ? value[0] : value;
}

/** `/orders/<id>` → `<id>`. */
export function orderIdFromLocation(location: string | undefined): string | undefined {
  const match = location ? /\/orders\/([^/?#]+)$/.exec(location) : null;
  return match ? decodeURIComponent(match[1]) : undefined;
}
