import { decodeCursor, keysetPage, returningRows, type KeysetPage } from '@app/database';
import type { ShippingAddress } from '@app/shipping';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import type { OrderToRun } from './engine/workflow-engine.port';
import type { OrderEntity } from './entities';
import { canTransition, CANCELLABLE_STATUSES, NON_TERMINAL_STATUSES, type OrderStatus } from './order-status';
import type { OrderSummaryView, OrderView } from './order.view';
import { IllegalOrderTransitionError, OrderNotFoundError } from './orders.errors';
import { ORDERS_SQL } from './orders.sql';

export interface TransitionResult {
  /** False when the order already was in the target status (a repeated step). */
  moved: boolean;
  createdAt: Date;
}

/** An order as acceptance stores it, priced and with its lines numbered from 1. */
export interface NewOrder {
  id: string;
  customerId: string;
  idempotencyKey: string | null;
  requestFingerprint: string;
  currency: string;
  total: number;
  shippingAddress: ShippingAddress;
  lines: Array<{
    lineNo: number;
    sku: string;
    productName: string;
    quantity: number;
    unitPrice: number;
    lineTotal: number;
  }>;
  /** The trace of the request that placed the order, when it was sampled. */
  traceId: string | null;
}

/** What a repeated request is compared with. */
export type IdempotentOrder = Pick<OrderEntity, 'id' | 'customerId' | 'requestFingerprint' | 'status'>;

/** The order as a saga step sees it. */
export type SagaOrder = Pick<OrderEntity, 'id' | 'status' | 'currency' | 'totalAmount' | 'cancelRequestedAt'>;

/** The order as the shipping step claimed it, with the parcels to book. */
export interface ShippingClaim {
  order: Pick<
    OrderEntity,
    'id' | 'status' | 'currency' | 'totalAmount' | 'shippingAddress' | 'cancelRequestedAt'
  >;
  claimed: boolean;
  parcels: Array<{ sku: string; quantity: number }>;
}

/** An order that has not reached a final state, as operators and the reconciliation job list it. */
export interface UnfinishedOrder extends OrderSummaryView {
  cancellationRequested: boolean;
}

/** The order as an engine (re)starts its saga. */
export function toRun(order: OrderSummaryView): OrderToRun {
  return {
    id: order.id,
    customerId: order.customerId,
    total: order.total,
    status: order.status,
    statusChangedAt: new Date(order.updatedAt),
  };
}

/** Operators' search: every filter is optional; the page is newest first. */
export interface OrderSearch {
  statuses?: OrderStatus[];
  customerId?: string;
  createdFrom?: Date;
  createdTo?: Date;
  failureReason?: string;
  sku?: string;
  limit: number;
  cursor?: string;
}

/** One saga step of an order as the step log keeps it (every attempt updates it). */
export interface SagaStepRecord {
  step: string;
  attempts: number;
  /** `completed`, or the failure type of the last attempt. */
  outcome: string;
  /** The last failed attempt's error, kept after a later success. */
  lastError: string | null;
  firstStartedAt: string;
  lastStartedAt: string;
  lastFinishedAt: string;
  lastDurationMs: number;
}

/** One attempt of a saga step, as the step telemetry reports it. */
export interface SagaStepAttempt {
  orderId: string;
  step: string;
  outcome: string;
  error: string | null;
  startedAt: Date;
  finishedAt: Date;
}

export interface UnfinishedOrdersFilter {
  /** Only orders whose state has not changed since. */
  unchangedSince?: Date;
  /** Only these orders. */
  ids?: string[];
  limit?: number;
}

interface SagaOrderRow {
  id: string;
  status: OrderStatus;
  currency: string;
  total_amount: string;
  cancel_requested_at: Date | null;
}

/**
 * The orders library's tables (`orders`, `order_lines`, `order_status_history`), read and written with the
 * statements of `orders.sql.ts` only. Methods that take an `EntityManager` run inside the caller's
 * transaction; the others run on their own. Inserting an order and changing its status also count it per
 * status (`OrderStatusCounts`): triggers on `orders` write that delta in the same transaction, whoever
 * writes the row.
 */
@Injectable()
export class OrdersRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Stores the order, its lines and its first status; false when an order with its key exists already. */
  async insert(manager: EntityManager, order: NewOrder): Promise<boolean> {
    const inserted = await returningRows(manager, ORDERS_SQL.insert, [
      order.id,
      order.customerId,
      order.idempotencyKey,
      order.requestFingerprint,
      order.currency,
      order.total,
      order.shippingAddress,
      order.traceId,
    ]);
    if (inserted.length === 0) return false;
    const { lines } = order;
    await manager.query(ORDERS_SQL.insertLines, [
      order.id,
      lines.map((line) => line.lineNo),
      lines.map((line) => line.sku),
      lines.map((line) => line.productName),
      lines.map((line) => line.quantity),
      lines.map((line) => line.unitPrice),
      lines.map((line) => line.lineTotal),
    ]);
    await manager.query(ORDERS_SQL.recordStatus, [order.id, null, 'PENDING', null]);
    return true;
  }

  async byIdempotencyKey(customerId: string, idempotencyKey: string): Promise<IdempotentOrder | null> {
    const [row] = await this.dataSource.query<
      Array<{ id: string; customer_id: string; request_fingerprint: string; status: OrderStatus }>
    >(ORDERS_SQL.byIdempotencyKey, [customerId, idempotencyKey]);
    return row
      ? {
          id: row.id,
          customerId: row.customer_id,
          requestFingerprint: row.request_fingerprint,
          status: row.status,
        }
      : null;
  }

  /** The order shaped as its view, in one statement; scoped to a customer when given. */
  async view(orderId: string, customerId?: string, manager = this.dataSource.manager): Promise<OrderView> {
    const [row] = await manager.query<Array<{ view: OrderView }>>(ORDERS_SQL.view, [
      orderId,
      customerId ?? null,
    ]);
    if (!row) throw new OrderNotFoundError(orderId);
    return row.view;
  }

  /** One customer's orders, newest first, keyset-paginated on (created_at, id) so pages stay stable. */
  async page(query: {
    customerId: string;
    status?: string;
    limit: number;
    cursor?: string;
  }): Promise<KeysetPage<OrderSummaryView>> {
    const [createdAt, id] = query.cursor ? decodeCursor(query.cursor, 2) : [null, null];
    const rows = await this.dataSource.query<Array<OrderSummaryRow & { cursor_ts: string }>>(
      ORDERS_SQL.page,
      [query.customerId, query.status ?? null, createdAt, id, query.limit + 1],
    );
    const page = keysetPage(rows, query.limit, (row) => [row.cursor_ts, row.id]);
    return { ...page, items: page.items.map(toSummary) };
  }

  /**
   * Records a cancellation request, of the customer's own order or (no customer) of any order for an
   * operator; false when the order cannot be cancelled (any more).
   */
  async requestCancellation(orderId: string, customerId: string | null): Promise<boolean> {
    const requested = await returningRows(this.dataSource, ORDERS_SQL.requestCancellation, [
      orderId,
      customerId,
      CANCELLABLE_STATUSES,
    ]);
    return requested.length > 0;
  }

  /** The order's status; null when there is no such order (of that customer, when one is given). */
  async statusOf(orderId: string, customerId: string | null): Promise<OrderStatus | null> {
    const [row] = await this.dataSource.query<Array<{ status: OrderStatus }>>(ORDERS_SQL.orderStatus, [
      orderId,
      customerId,
    ]);
    return row?.status ?? null;
  }

  /**
   * Moves an order to `to` and records the change in its history. Idempotent: an order already in `to` is
   * left alone (`moved: false`). Any move the lifecycle does not allow is refused.
   */
  async transition(
    manager: EntityManager,
    orderId: string,
    to: OrderStatus,
    reason: string | null = null,
  ): Promise<TransitionResult> {
    const [order] = await manager.query<Array<{ status: OrderStatus; created_at: Date }>>(
      ORDERS_SQL.lockForTransition,
      [orderId],
    );
    if (!order) throw new OrderNotFoundError(orderId);
    if (order.status === to) return { moved: false, createdAt: order.created_at };
    if (!canTransition(order.status, to)) throw new IllegalOrderTransitionError(orderId, order.status, to);
    await (reason
      ? manager.query(ORDERS_SQL.moveWithReason, [orderId, to, reason])
      : manager.query(ORDERS_SQL.move, [orderId, to]));
    await manager.query(ORDERS_SQL.recordStatus, [orderId, order.status, to, reason]);
    return { moved: true, createdAt: order.created_at };
  }

  async sagaOrder(orderId: string): Promise<SagaOrder> {
    return toSagaOrder(orderId, await this.dataSource.query(ORDERS_SQL.sagaOrder, [orderId]));
  }

  /** The order, locked until the caller's transaction ends. */
  async lockSagaOrder(manager: EntityManager, orderId: string): Promise<SagaOrder> {
    return toSagaOrder(orderId, await manager.query(ORDERS_SQL.lockedSagaOrder, [orderId]));
  }

  async lines(manager: EntityManager, orderId: string): Promise<Array<{ sku: string; quantity: number }>> {
    return manager.query(ORDERS_SQL.lines, [orderId]);
  }

  /** Claims a PAID order for shipping unless a cancellation was requested first, and reads the parcels. */
  async claimForShipping(orderId: string): Promise<ShippingClaim> {
    const [row] = await returningRows<ClaimRow>(this.dataSource, ORDERS_SQL.claimForShipping, [orderId]);
    if (!row) throw new OrderNotFoundError(orderId);
    return {
      order: {
        id: row.id,
        status: row.status,
        currency: row.currency,
        totalAmount: Number(row.total_amount),
        shippingAddress: row.shipping_address,
        cancelRequestedAt: row.cancel_requested_at,
      },
      claimed: row.claimed,
      parcels: row.parcels,
    };
  }

  /**
   * The orders that have not reached a final state, least recently changed first: the stuck orders of the
   * operators' list and of the reconciliation job, and those the inline engine resumes on start.
   */
  async unfinished(filter: UnfinishedOrdersFilter = {}): Promise<UnfinishedOrder[]> {
    const rows = await this.dataSource.query<Array<OrderSummaryRow & { cancellation_requested: boolean }>>(
      ORDERS_SQL.unfinished,
      [NON_TERMINAL_STATUSES, filter.unchangedSince ?? null, filter.ids ?? null, filter.limit ?? null],
    );
    return rows.map((row) => ({ ...toSummary(row), cancellationRequested: row.cancellation_requested }));
  }

  /** Any customer's orders matching the operator's filters, newest first (keyset pages). */
  async search(query: OrderSearch): Promise<KeysetPage<OrderSummaryView>> {
    const [createdAt, id] = query.cursor ? decodeCursor(query.cursor, 2) : [null, null];
    const statuses = query.statuses ?? [];
    const rows = await this.dataSource.query<Array<OrderSummaryRow & { cursor_ts: string }>>(
      query.sku === undefined ? ORDERS_SQL.search : ORDERS_SQL.searchBySku,
      [
        statuses.length > 1 ? statuses : null,
        statuses.length === 1 ? statuses[0] : null,
        query.customerId ?? null,
        query.createdFrom ?? null,
        query.createdTo ?? null,
        query.failureReason ?? null,
        query.sku ?? null,
        createdAt,
        id,
        query.limit + 1,
      ],
    );
    const page = keysetPage(rows, query.limit, (row) => [row.cursor_ts, row.id]);
    return { ...page, items: page.items.map(toSummary) };
  }

  /** The trace that placed the order and its saga steps; null when there is no such order. */
  async operatorDetails(
    orderId: string,
  ): Promise<{ traceId: string | null; steps: SagaStepRecord[] } | null> {
    const [row] = await this.dataSource.query<Array<{ trace_id: string | null; steps: SagaStepRecord[] }>>(
      ORDERS_SQL.operatorDetails,
      [orderId],
    );
    return row ? { traceId: row.trace_id, steps: row.steps } : null;
  }

  /** The saga steps of each of these orders, oldest first. */
  async stepsOf(orderIds: string[]): Promise<Map<string, SagaStepRecord[]>> {
    const steps = new Map<string, SagaStepRecord[]>(orderIds.map((id) => [id, []]));
    if (orderIds.length === 0) return steps;
    const rows = await this.dataSource.query<Array<{ order_id: string; step: SagaStepRecord }>>(
      ORDERS_SQL.stepsOf,
      [orderIds],
    );
    for (const row of rows) steps.get(row.order_id)?.push(row.step);
    return steps;
  }

  /** Adds an attempt to the order's step log (one statement, outside any saga transaction). */
  async recordStepAttempt(attempt: SagaStepAttempt): Promise<void> {
    await this.dataSource.query(ORDERS_SQL.recordStepAttempt, [
      attempt.orderId,
      attempt.step,
      attempt.outcome,
      attempt.error === null ? null : attempt.error.slice(0, 500),
      attempt.startedAt,
      attempt.finishedAt,
      Math.max(0, Math.round(attempt.finishedAt.getTime() - attempt.startedAt.getTime())),
    ]);
  }

  /** Seconds since the oldest unfinished order was created; 0 when there is none. */
  async oldestUnfinishedAge(): Promise<number> {
    const [row] = await this.dataSource.query<Array<{ age: string | null }>>(ORDERS_SQL.oldestUnfinishedAge, [
      NON_TERMINAL_STATUSES,
    ]);
    return row?.age ? Number(row.age) : 0;
  }
}

interface OrderSummaryRow {
  id: string;
  customer_id: string;
  status: OrderStatus;
  currency: string;
  total_amount: string;
  failure_reason: string | null;
  created_at: Date;
  updated_at: Date;
}

interface ClaimRow extends SagaOrderRow {
  shipping_address: ShippingAddress;
  claimed: boolean;
  parcels: Array<{ sku: string; quantity: number }>;
}

function toSummary(row: OrderSummaryRow): OrderSummaryView {
  return {
    id: row.id,
    customerId: row.customer_id,
    status: row.status,
    currency: row.currency,
    total: Number(row.total_amount),
    failureReason: row.failure_reason,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

function toSagaOrder(orderId: string, [row]: SagaOrderRow[]): SagaOrder {
  if (!row) throw new OrderNotFoundError(orderId);
  return {
    id: row.id,
    status: row.status,
    currency: row.currency,
    totalAmount: Number(row.total_amount),
    cancelRequestedAt: row.cancel_requested_at,
  };
}
