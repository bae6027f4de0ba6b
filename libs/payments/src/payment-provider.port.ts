import type { CardDetails } from './card';

export const PAYMENT_PROVIDER = Symbol('PAYMENT_PROVIDER');

export interface ChargeRequest {
  /** The same key always yields the same outcome: a retried charge never captures twice. */
  idempotencyKey: string;
  paymentToken: string;
  amount: number;
  currency: string;
  /** The merchant's order the charge pays for, kept by the provider beside the charge. */
  orderId?: string;
}

export interface RefundRequest {
  idempotencyKey: string;
  chargeReference: string;
  amount: number;
  currency: string;
  /** The merchant's order the refund is for. */
  orderId?: string;
}

/**
 * A card payment provider. `charge` throws PaymentDeclinedError (final) or
 * PaymentProviderUnavailableError (transient, worth retrying).
 */
export interface PaymentProvider {
  readonly name: string;
  /** Exchanges card details for a token; card details never leave this call. */
  tokenize(card: CardDetails): Promise<string>;
  charge(request: ChargeRequest): Promise<{ reference: string }>;
  refund(request: RefundRequest): Promise<{ reference: string }>;
}
