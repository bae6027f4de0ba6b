import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CardDetails } from './card';
import type { ChargeRequest, PaymentProvider, RefundRequest } from './payment-provider.port';
import { PaymentDeclinedError, PaymentProviderUnavailableError } from './payments.errors';

export interface SimulatedPaymentSettings {
  /** Delay of every provider call, in milliseconds. @default 50 */
  latencyMs: number;
  /** Share of charges declined at random, 0..1. @default 0 */
  declineRate: number;
  /** When true every call fails as unavailable (transient). @default false */
  outage: boolean;
}

export const SIMULATED_PAYMENT_DEFAULTS: SimulatedPaymentSettings = {
  latencyMs: 50,
  declineRate: 0,
  outage: false,
};

/** Like the well-known sandboxes: this card number is always declined. */
export const ALWAYS_DECLINED_CARD = '4000000000000002';

const DECLINE_TOKEN_PREFIX = 'sim_tok_decline_';

/**
 * A payment provider that behaves like a sandbox: tokens encode the test card's behaviour (so any process
 * can charge them), charges are idempotent per key, and latency, random declines and outages can be set.
 */
export class SimulatedPaymentProvider implements PaymentProvider {
  readonly name = 'simulated';
  private readonly outcomes = new Map<string, Promise<{ reference: string }>>();
  private settings: SimulatedPaymentSettings;

  constructor(
    settings: Partial<SimulatedPaymentSettings> = {},
    private readonly random: () => number = Math.random,
  ) {
    this.settings = { ...SIMULATED_PAYMENT_DEFAULTS, ...settings };
  }

  configure(patch: Partial<SimulatedPaymentSettings>): SimulatedPaymentSettings {
    this.settings = { ...this.settings, ...patch };
    return { ...this.settings };
  }

  current(): SimulatedPaymentSettings {
    return { ...this.settings };
  }

  async tokenize(card: CardDetails): Promise<string> {
    const prefix = card.cardNumber === ALWAYS_DECLINED_CARD ? DECLINE_TOKEN_PREFIX : 'sim_tok_';
    return `${prefix}${randomUUID()}`;
  }

  async charge(request: ChargeRequest): Promise<{ reference: string }> {
    return this.once(`charge:${request.idempotencyKey}`, async () => {
      await this.respond();
      if (request.paymentToken.startsWith(DECLINE_TOKEN_PREFIX))
        throw new PaymentDeclinedError('card_declined');
      if (this.random() < this.settings.declineRate) throw new PaymentDeclinedError('insufficient_funds');
      return { reference: `sim_ch_${randomUUID()}` };
    });
  }

  async refund(request: RefundRequest): Promise<{ reference: string }> {
    return this.once(`refund:${request.idempotencyKey}`, async () => {
      await this.respond();
      return { reference: `sim_re_${randomUUID()}` };
    });
  }

  private async respond(): Promise<void> {
    if (this.settings.latencyMs > 0) await sleep(this.settings.latencyMs);
    if (this.settings.outage) throw new PaymentProviderUnavailableError('simulated provider outage');
  }

  /** Final outcomes (success or decline) are remembered per key; transient failures are not. */
  private async once(
    key: string,
    call: () => Promise<{ reference: string }>,
  ): Promise<{ reference: string }> {
    const known = this.outcomes.get(key);
    if (known) return known;
    const pending = call();
    this.outcomes.set(key, pending);
    pending.catch((error: unknown) => {
      if (error instanceof PaymentProviderUnavailableError) this.outcomes.delete(key);
    });
    return pending;
  }
}
