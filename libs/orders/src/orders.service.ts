import { createHash, randomUUID } from 'node:crypto';
import type { KeysetPage } from '@app/database';
import { InventoryService } from '@app/inventory';
import { AuditLog, InjectMetric, sampledTraceId, type Counter } from '@app/observability';
import { PaymentsService } from '@app/payments';
import { WebhookOutbox } from '@app/webhooks';
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { WORKFLOW_ENGINE, type WorkflowEngine } from './engine/workflow-engine.port';
import { ORDER_METRICS } from './orders.metrics';
import { OrdersRepository, toRun, type IdempotentOrder } from './orders.repository';
import type { OrderSummaryView, OrderView } from './order.view';
import {
  IdempotencyKeyReusedError,
  MixedCurrenciesError,
  OrderNotCancellableError,
  OrderNotFoundError,
} from './orders.errors';
import type { ListOrdersQuery, PlaceOrderCommand } from './place-order.command';

export interface PlacedOrder {
  order: OrderView;
  /** True when an earlier request with the same Idempotency-Key created the order. */
  replayed: boolean;
}

@Injectable()
export class OrdersService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly orders: OrdersRepository,
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
      const inserted = await this.orders.insert(manager, {
        id: orderId,
        customerId: command.customerId,
        idempotencyKey: command.idempotencyKey ?? null,
        requestFingerprint: fingerprint,
        currency: currencies[0],
        total,
        shippingAddress: command.shippingAddress,
        lines,
        traceId: sampledTraceId() ?? null,
      });
      if (!inserted) return null; // a concurrent request with the same key won
      await this.payments.recordPending(
        manager,
        { orderId, card: command.payment, amount: total, currency: currencies[0] },
        paymentToken,
      );
      // The order as accepted (PENDING, whatever the saga does next) is both the answer and the payload of
      // its order.created event, written with the order or not at all (the outbox).
      const view = await this.orders.view(orderId, undefined, manager);
      await this.outbox.enqueue(manager, { type: 'order.created', orderId, payload: view });
      return view;
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
    await this.engine.start(toRun(accepted));
    return { order: accepted, replayed: false };
  }

  /**
   * The customer's order as one consistent snapshot (status, payment, shipment and history agree).
   * Another customer's order is not found, exactly like one that does not exist.
   */
  async getOrder(customerId: string, orderId: string): Promise<OrderView> {
    return this.orders.view(orderId, customerId);
  }

  /** One customer's orders, newest first, keyset-paginated on (created_at, id) so pages stay stable. */
  async listOrders(query: ListOrdersQuery): Promise<KeysetPage<OrderSummaryView>> {
    return this.orders.page(query);
  }

  /**
   * Records the customer's cancellation request atomically against the shipping claim: whichever reaches
   * the order row first wins, so an order is never both shipped and cancelled. The saga does the
   * compensation. Another customer's order is not found, exactly like one that does not exist.
   */
  async requestCancellation(customerId: string, orderId: string): Promise<OrderView> {
    if (!(await this.orders.requestCancellation(orderId, customerId))) {
      const status = await this.orders.statusOf(orderId, customerId);
      if (!status) throw new OrderNotFoundError(orderId);
      if (status === 'CANCELLED') return this.getOrder(customerId, orderId);
      throw new OrderNotCancellableError(orderId, status);
    }
    this.audit.record('order-cancellation-requested', { 'order.id': orderId, 'customer.id': customerId });
    await this.engine.requestCancellation(orderId);
    return this.getOrder(customerId, orderId);
  }

  private async findByIdempotencyKey(
    customerId: string,
    idempotencyKey: string,
  ): Promise<IdempotentOrder | null> {
    return this.orders.byIdempotencyKey(customerId, idempotencyKey);
  }

  private async replay(existing: IdempotentOrder, fingerprint: string): Promise<PlacedOrder> {
    if (existing.requestFingerprint !== fingerprint) throw new IdempotencyKeyReusedError(existing.id);
    this.replays.inc();
    // The first request may have stored the order and then failed to reach the engine: start is idempotent.
    const order = await this.getOrder(existing.customerId, existing.id);
    if (order.status === 'PENDING') await this.engine.start(toRun(order));
    return { order, replayed: true };
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
