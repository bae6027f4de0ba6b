export class ProductNotFoundError extends Error {
  override readonly name = 'ProductNotFoundError';
  constructor(readonly skus: string[]) {
    super(`unknown sku: ${skus.join(', ')}`);
  }
}

export class InsufficientStockError extends Error {
  override readonly name = 'InsufficientStockError';
  constructor(
    readonly sku: string,
    readonly requested: number,
  ) {
    super(`not enough stock of ${sku} for ${requested} unit(s)`);
  }
}

/** A restock that would push stock past what the column can hold. */
export class StockLimitExceededError extends Error {
  override readonly name = 'StockLimitExceededError';
  constructor(
    readonly sku: string,
    readonly limit: number,
  ) {
    super(`stock of ${sku} cannot exceed ${limit}`);
  }
}

/**
 * The operator sent an `Idempotency-Key` again with a different restock (another SKU or quantity) while
 * the key still counts. Shaped like the orders' reused-key error: the API answers both with
 * `422 IDEMPOTENCY_KEY_REUSED`, naming the `Idempotency-Key` header.
 */
export class RestockIdempotencyKeyReusedError extends Error {
  override readonly name = 'RestockIdempotencyKeyReusedError';
  constructor(readonly sku: string) {
    super('this Idempotency-Key was already used with a different request');
  }
}
