import { setTimeout as sleep } from 'node:timers/promises';
import { createApiClient, type ApiClient } from './api-client';
import type { Credentials } from './credentials';

/** Where the orders placed during a run ended up. */
export interface OrderOutcomes {
  /** Orders looked for: every order the API accepted during the run. */
  checked: number;
  completed: number;
  /** FAILED orders by failure reason (PAYMENT_DECLINED, OUT_OF_STOCK, …). */
  failed: Record<string, number>;
  cancelled: number;
  /** Orders not finished yet, by status. */
  running: Record<string, number>;
  /** Orders that could not be read. */
  unknown: number;
  /** How long it took until everything finished (or the wait ran out). */
  waitedMs: number;
}

interface OrderState {
  status: string;
  failureReason: string | null;
}

const TERMINAL = new Set(['COMPLETED', 'FAILED', 'CANCELLED']);
const PAGE_SIZE = 100;
const MAX_PAGES_PER_CUSTOMER = 50;
const PARALLEL_CUSTOMERS = 4;

/**
 * Polls the placed orders until all reached a terminal status or `settleMs` ran out, reading them
 * through each customer's order list (`listOrders` with their token, newest first) rather than one
 * by one.
 */
export async function collectOutcomes(
  baseUrl: string,
  placed: ReadonlyMap<string, string>,
  credentials: Credentials,
  { settleMs, timeoutMs, pollMs = 500 }: { settleMs: number; timeoutMs: number; pollMs?: number },
): Promise<OrderOutcomes> {
  const api = createApiClient(baseUrl, timeoutMs);
  const started = Date.now();
  const states = new Map<string, OrderState>();
  const isPending = (id: string) => !TERMINAL.has(states.get(id)?.status ?? '');
  for (;;) {
    const pendingByCustomer = new Map<string, Set<string>>();
    for (const [id, customer] of placed) {
      if (!isPending(id)) continue;
      if (!pendingByCustomer.has(customer)) pendingByCustomer.set(customer, new Set());
      pendingByCustomer.get(customer)!.add(id);
    }
    if (pendingByCustomer.size === 0) break;
    const customers = [...pendingByCustomer];
    await Promise.all(
      Array.from({ length: Math.min(PARALLEL_CUSTOMERS, customers.length) }, async () => {
        for (let next = customers.shift(); next; next = customers.shift()) {
          const [customer, ids] = next;
          const authorization = credentials.authorization(customer);
          await readCustomerOrders(api, authorization, ids, states).catch(() => undefined);
        }
      }),
    );
    if (![...placed.keys()].some(isPending) || Date.now() - started + pollMs > settleMs) break;
    await sleep(pollMs);
  }
  return tally(placed, states, Date.now() - started);
}

/** Pages through one customer's orders (`authorization` is theirs) until every id in `wanted` has been seen. */
async function readCustomerOrders(
  api: ApiClient,
  authorization: string,
  wanted: ReadonlySet<string>,
  states: Map<string, OrderState>,
): Promise<void> {
  const missing = new Set(wanted);
  let cursor: string | null = null;
  for (let page = 0; page < MAX_PAGES_PER_CUSTOMER && missing.size > 0; page++) {
    const { data, response } = await listOrders(api, authorization, cursor);
    if (response.status !== 200 || !Array.isArray(data?.items)) return;
    for (const order of data.items) {
      if (!missing.delete(order.id)) continue;
      states.set(order.id, { status: order.status, failureReason: order.failureReason ?? null });
    }
    cursor = data.nextCursor ?? null;
    if (!cursor) return;
  }
}

/** One page of the customer's orders (`authorization` is theirs), newest first. */
function listOrders(api: ApiClient, authorization: string, cursor: string | null) {
  return api.GET('/orders', {
    params: { query: { limit: PAGE_SIZE, cursor: cursor ?? undefined } },
    headers: { authorization },
  });
}

function tally(
  placed: ReadonlyMap<string, string>,
  states: Map<string, OrderState>,
  waitedMs: number,
): OrderOutcomes {
  const outcomes: OrderOutcomes = {
    checked: placed.size,
    completed: 0,
    failed: {},
    cancelled: 0,
    running: {},
    unknown: 0,
    waitedMs,
  };
  for (const id of placed.keys()) {
    const state = states.get(id);
    if (!state) outcomes.unknown++;
    else if (state.status === 'COMPLETED') outcomes.completed++;
    else if (state.status === 'CANCELLED') outcomes.cancelled++;
    else if (state.status === 'FAILED') {
      const reason = state.failureReason ?? 'UNKNOWN';
      outcomes.failed[reason] = (outcomes.failed[reason] ?? 0) + 1;
    } else outcomes.running[state.status] = (outcomes.running[state.status] ?? 0) + 1;
  }
  return outcomes;
}
