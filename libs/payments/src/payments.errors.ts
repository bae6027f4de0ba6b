export class PaymentDeclinedError extends Error {
  override readonly name = 'PaymentDeclinedError';
  constructor(readonly declineCode: string) {
    super(`payment declined: ${declineCode}`);
  }
}

export class PaymentProviderUnavailableError extends Error {
  override readonly name = 'PaymentProviderUnavailableError';
  constructor(message = 'payment provider unavailable') {
    super(message);
  }
}

export class PaymentNotFoundError extends Error {
  override readonly name = 'PaymentNotFoundError';
  constructor(readonly orderId: string) {
    super(`no payment for order ${orderId}`);
  }
}
