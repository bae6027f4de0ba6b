import { decodeCursor, keysetPage, returningRows, type KeysetPage } from '@app/database';
import type { ShippingAddress } from '@app/shipping';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
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
 * transaction; the others run on their own.
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

  /** Records the customer's cancellation request; false when the order cannot be cancelled (any more). */
  async requestCancellation(orderId: string, customerId: string): Promise<boolean> {
    const requested = await returningRows(this.dataSource, ORDERS_SQL.requestCancellation, [
      orderId,
      customerId,
      CANCELLABLE_STATUSES,
    ]);
    return requested.length > 0;
  }

  async statusOf(orderId: string, customerId: string): Promise<OrderStatus | null> {
    const [row] = await this.dataSource.query<Array<{ status: OrderStatus }>>(
      ORDERS_SQL.customerOrderStatus,
      [orderId, customerId],
    );
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

  /** Ids of the orders that have not reached a final state, oldest first. */
  async unfinished(filter: UnfinishedOrdersFilter = {}): Promise<string[]> {
    const rows = await this.dataSource.query<Array<{ id: string }>>(ORDERS_SQL.unfinished, [
      NON_TERMINAL_STATUSES,
      filter.unchangedSince ?? null,
      filter.ids ?? null,
      filter.limit ?? null,
    ]);
    return rows.map((row) => row.id);
  }

  /** Seconds since the oldest unfinished order was created; 0 when there is none. */
  async oldestUnfinishedAge(): Promise<number> {
    const [row] = await this.dataSource.query<Array<{ age: string | null }>>(ORDERS_SQL.oldestUnfinishedAge, [
      NON_TERMINAL_STATUSES,
    ]);
    return row?.age ? Number(row.age) : 0;
  }

  async countByStatus(): Promise<Map<string, number>> {
    const rows = await this.dataSource.query<Array<{ status: string; count: string }>>(
      ORDERS_SQL.countByStatus,
    );
    return new Map(rows.map((row) => [row.status, Number(row.count)]));
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
