import { createHash, randomUUID } from 'node:crypto';
import { decodeCursor, encodeCursor, returningRows } from '@app/database';
import { InventoryService } from '@app/inventory';
import { AuditLog, InjectMetric, type Counter } from '@app/observability';
import { PaymentsService } from '@app/payments';
import { WebhookOutbox } from '@app/webhooks';
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { WORKFLOW_ENGINE, type WorkflowEngine } from './engine/workflow-engine.port';
import { OrderEntity } from './entities';
import { TRANSITION_SQL } from './order-transitions';
import { CANCELLABLE_STATUSES } from './order-status';
import { ORDER_METRICS } from './orders.metrics';
import { toOrderSummary, type OrderSummaryView, type OrderView } from './order.view';
import { ORDER_VIEW_QUERY } from './order-view.query';
import {
  IdempotencyKeyReusedError,
  MixedCurrenciesError,
  OrderNotCancellableError,
  OrderNotFoundError,
} from './orders.errors';
import type { ListOrdersQuery, PlaceOrderCommand } from './place-order.command';

/**
 * The order and its lines as acceptance stores them, written out like the status changes
 * (`TRANSITION_SQL`, which also records the first status). `benchmarks/order-placement.pgbench.sql` runs
 * the same text.
 */
export const PLACE_ORDER_SQL = {
  order:
    'INSERT INTO orders (id, customer_id, idempotency_key, request_fingerprint, status, currency, total_amount, ' +
    "shipping_address) VALUES ($1, $2, $3, $4, 'PENDING', $5, $6, $7) ON CONFLICT DO NOTHING RETURNING id",
  lines:
    'INSERT INTO order_lines (order_id, line_no, sku, product_name, quantity, unit_price, line_total) ' +
    'SELECT $1::uuid, * FROM unnest($2::smallint[], $3::varchar[], $4::varchar[], $5::integer[], $6::integer[], $7::bigint[])',
} as const;

export interface PlacedOrder {
  order: OrderView;
  /** True when an earlier request with the same Idempotency-Key created the order. */
  replayed: boolean;
}

@Injectable()
export class OrdersService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly inventory: InventoryService,
    private readonly payments: PaymentsService,
    @Inject(WORKFLOW_ENGINE) private readonly engine: WorkflowEngine,
    @InjectMetric(ORDER_METRICS.created) private readonly created: Counter,
    @InjectMetric(ORDER_METRICS.replays) private readonly replays: Counter,
    private readonly audit: AuditLog,
    private readonly outbox: WebhookOutbox,
  ) {}

  /**
   * Prices the order from the catalog, stores it as PENDING with its pending payment and its
   * `order.created` webhook event, and hands it to the workflow engine. With an Idempotency-Key the same customer's repeated request returns the
   * original order and never creates a second order or payment.
   */
  async placeOrder(command: PlaceOrderCommand): Promise<PlacedOrder> {
    const fingerprint = fingerprintOf(command);
    if (command.idempotencyKey) {
      const existing = await this.findByIdempotencyKey(command.customerId, command.idempotencyKey);
      if (existing) return this.replay(existing, fingerprint);
    }

    const products = await this.inventory.getProducts(command.items.map((i) => i.sku));
    const currencies = [...new Set([...products.values()].map((p) => p.currency))];
    if (currencies.length > 1) throw new MixedCurrenciesError(currencies);
    const lines = command.items.map((item, index) => {
      const product = products.get(item.sku)!;
      return {
        lineNo: index + 1,
        sku: item.sku,
        productName: product.name,
        quantity: item.quantity,
        unitPrice: product.unitPrice,
        lineTotal: product.unitPrice * item.quantity,
      };
    });
    const total = lines.reduce((sum, line) => sum + line.lineTotal, 0);
    const paymentToken = await this.payments.tokenize(command.payment);
    const orderId = randomUUID();

    const accepted = await this.dataSource.transaction(async (manager): Promise<OrderView | null> => {
      const inserted = await returningRows(manager, PLACE_ORDER_SQL.order, [
        orderId,
        command.customerId,
        command.idempotencyKey ?? null,
        fingerprint,
        currencies[0],
        total,
        command.shippingAddress,
      ]);
      if (inserted.length === 0) return null; // a concurrent request with the same key won
      await manager.query(PLACE_ORDER_SQL.lines, [
        orderId,
        lines.map((line) => line.lineNo),
        lines.map((line) => line.sku),
        lines.map((line) => line.productName),
        lines.map((line) => line.quantity),
        lines.map((line) => line.unitPrice),
        lines.map((line) => line.lineTotal),
      ]);
      await manager.query(TRANSITION_SQL.record, [orderId, null, 'PENDING', null]);
      await this.payments.recordPending(
        manager,
        { orderId, card: command.payment, amount: total, currency: currencies[0] },
        paymentToken,
      );
      await this.outbox.record(manager, 'order.created', orderId); // the outbox: with the order or not at all
      return this.readView(manager, orderId); // the order as accepted: PENDING, whatever the saga does next
    });
    if (accepted === null) {
      const winner = await this.findByIdempotencyKey(command.customerId, command.idempotencyKey!);
      return this.replay(winner!, fingerprint);
    }
    this.created.inc();
    this.audit.record('order-created', {
      'order.id': orderId,
      'customer.id': command.customerId,
      'order.total': total,
      'order.currency': currencies[0],
    });
    await this.engine.start(orderId);
    return { order: accepted, replayed: false };
  }

  /**
   * The customer's order as one consistent snapshot (status, payment, shipment and history agree).
   * Another customer's order is not found, exactly like one that does not exist.
   */
  async getOrder(customerId: string, orderId: string): Promise<OrderView> {
    return this.readView(this.dataSource.manager, orderId, customerId);
  }

  /** One statement, one round trip, already shaped as the view (ORDER_VIEW_QUERY); scoped to a customer when given. */
  private async readView(manager: EntityManager, orderId: string, customerId?: string): Promise<OrderView> {
    const [row]: Array<{ view: OrderView }> = await manager.query(ORDER_VIEW_QUERY, [
      orderId,
      customerId ?? null,
    ]);
    if (!row) throw new OrderNotFoundError(orderId);
    return row.view;
  }

  /** One customer's orders, newest first, keyset-paginated on (created_at, id) so pages stay stable. */
  async listOrders(
    query: ListOrdersQuery,
  ): Promise<{ items: OrderSummaryView[]; nextCursor: string | null }> {
    const qb = this.dataSource
      .getRepository(OrderEntity)
      .createQueryBuilder('o')
      .addSelect(`to_char(o.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US')`, 'cursor_ts')
      .orderBy('o.created_at', 'DESC')
      .addOrderBy('o.id', 'DESC')
      .limit(query.limit + 1);
    qb.andWhere('o.customer_id = :customerId', { customerId: query.customerId });
    if (query.status) qb.andWhere('o.status = :status', { status: query.status });
    if (query.cursor) {
      const [createdAt, id] = decodeCursor(query.cursor, 2);
      qb.andWhere(`(o.created_at, o.id) < (:createdAt::timestamp AT TIME ZONE 'UTC', :id::uuid)`, {
        createdAt,
        id,
      });
    }
    const { entities, raw } = await qb.getRawAndEntities<{ cursor_ts: string }>();
    const page = entities.slice(0, query.limit);
    const last = page.length === query.limit && entities.length > query.limit ? page.length - 1 : -1;
    return {
      items: page.map(toOrderSummary),
      nextCursor: last >= 0 ? encodeCursor([raw[last].cursor_ts, page[last].id]) : null,
    };
  }

  /**
   * Records the customer's cancellation request atomically against the shipping claim: whichever reaches
   * the order row first wins, so an order is never both shipped and cancelled. The saga does the
   * compensation. Another customer's order is not found, exactly like one that does not exist.
   */
  async requestCancellation(customerId: string, orderId: string): Promise<OrderView> {
    const requested = await returningRows(
      this.dataSource,
      `UPDATE orders SET cancel_requested_at = COALESCE(cancel_requested_at, now()), updated_at = now()
        WHERE id = $1 AND customer_id = $2 AND status = ANY($3) AND shipping_claimed_at IS NULL
        RETURNING id`,
      [orderId, customerId, CANCELLABLE_STATUSES],
    );
    if (requested.length === 0) {
      const order = await this.dataSource.getRepository(OrderEntity).findOneBy({ id: orderId, customerId });
      if (!order) throw new OrderNotFoundError(orderId);
      if (order.status === 'CANCELLED') return this.getOrder(customerId, orderId);
      throw new OrderNotCancellableError(orderId, order.status);
    }
    this.audit.record('order-cancellation-requested', { 'order.id': orderId, 'customer.id': customerId });
    await this.engine.requestCancellation(orderId);
    return this.getOrder(customerId, orderId);
  }

  private async findByIdempotencyKey(
    customerId: string,
    idempotencyKey: string,
  ): Promise<OrderEntity | null> {
    return this.dataSource.getRepository(OrderEntity).findOneBy({ customerId, idempotencyKey });
  }

  private async replay(existing: OrderEntity, fingerprint: string): Promise<PlacedOrder> {
    if (existing.requestFingerprint !== fingerprint) throw new IdempotencyKeyReusedError(existing.id);
    this.replays.inc();
    // The first request may have stored the order and then failed to reach the engine: start is idempotent.
    if (existing.status === 'PENDING') await this.engine.start(existing.id);
    return { order: await this.getOrder(existing.customerId, existing.id), replayed: true };
  }
}

/** Identifies the request without card secrets: of the card, only last4 and expiry take part. */
function fingerprintOf(command: PlaceOrderCommand): string {
  const { cardNumber, expiryMonth, expiryYear } = command.payment;
  const a = command.shippingAddress;
  const canonical = JSON.stringify([
    command.customerId,
    command.items.map((i) => [i.sku, i.quantity]),
    [a.name, a.line1, a.line2 ?? null, a.city, a.postalCode, a.country],
    [command.payment.method, cardNumber.slice(-4), expiryMonth, expiryYear],
  ]);
  return createHash('sha256').update(canonical).digest('hex');
}
