import type { OrderStatus } from './order-status';

export class OrderNotFoundError extends Error {
  override readonly name = 'OrderNotFoundError';
  constructor(readonly orderId: string) {
    super(`order ${orderId} not found`);
  }
}

export class OrderNotCancellableError extends Error {
  override readonly name = 'OrderNotCancellableError';
  constructor(
    readonly orderId: string,
    readonly status: OrderStatus,
  ) {
    super(
      `order ${orderId} can no longer be cancelled (status ${status}${status === 'PAID' ? ', shipping in progress' : ''})`,
    );
  }
}

export class IllegalOrderTransitionError extends Error {
  override readonly name = 'IllegalOrderTransitionError';
  constructor(
    readonly orderId: string,
    readonly from: OrderStatus,
    readonly to: OrderStatus,
  ) {
    super(`order ${orderId} cannot move from ${from} to ${to}`);
  }
}

/** The same Idempotency-Key was sent with a different request. */
export class IdempotencyKeyReusedError extends Error {
  override readonly name = 'IdempotencyKeyReusedError';
  constructor(readonly orderId: string) {
    super('this Idempotency-Key was already used with a different request');
  }
}

export class MixedCurrenciesError extends Error {
  override readonly name = 'MixedCurrenciesError';
  constructor(readonly currencies: string[]) {
    super(`all items of an order must share one currency (got ${currencies.join(', ')})`);
  }
}

/** The workflow engine could not accept the order; the order is kept and can be resumed. */
export class WorkflowEngineUnavailableError extends Error {
  override readonly name = 'WorkflowEngineUnavailableError';
  constructor(
    readonly orderId: string,
    options?: { cause?: unknown },
  ) {
    super(`workflow engine unavailable for order ${orderId}`, options);
  }
}

/** A resume of an order that already reached a final state: there is nothing left to drive. */
export class OrderAlreadyFinishedError extends Error {
  override readonly name = 'OrderAlreadyFinishedError';
  constructor(
    readonly orderId: string,
    readonly status: OrderStatus,
  ) {
    super(`order ${orderId} is already ${status}: there is nothing to resume`);
  }
}
