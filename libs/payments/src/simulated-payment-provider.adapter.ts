import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CardDetails } from './card';
import type { ChargeRequest, PaymentProvider, RefundRequest } from './payment-provider.port';
import { PaymentDeclinedError, PaymentProviderUnavailableError } from './payments.errors';
import {
  InMemorySimulatedProviderLedger,
  type LedgerEntry,
  type SimulatedProviderLedger,
} from './simulated-provider-ledger';

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
 * can charge them), latency, random declines and outages can be set, and charges and refunds are
 * idempotent per key through its ledger. A key already in the ledger gets its first outcome again (the
 * same reference, or the same decline) without a second capture; a transient failure (outage) records
 * nothing, so a retry with the key goes through. The payments module gives it the PostgreSQL ledger that
 * all processes share; on its own it keeps one in memory.
 */
export class SimulatedPaymentProvider implements PaymentProvider {
  readonly name = 'simulated';
  private settings: SimulatedPaymentSettings;

  constructor(
    settings: Partial<SimulatedPaymentSettings> = {},
    private readonly random: () => number = Math.random,
    private ledger: SimulatedProviderLedger = new InMemorySimulatedProviderLedger(),
  ) {
    this.settings = { ...SIMULATED_PAYMENT_DEFAULTS, ...settings };
  }

  /** Keeps final outcomes in `ledger` from now on (the payments module's shared one). */
  useLedger(ledger: SimulatedProviderLedger): void {
    this.ledger = ledger;
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
    const entry = await this.once(request.idempotencyKey, () => {
      const declineCode = request.paymentToken.startsWith(DECLINE_TOKEN_PREFIX)
        ? 'card_declined'
        : this.random() < this.settings.declineRate
          ? 'insufficient_funds'
          : null;
      return {
        idempotencyKey: request.idempotencyKey,
        kind: 'charge',
        outcome: declineCode ? 'declined' : 'captured',
        reference: declineCode ? null : `sim_ch_${randomUUID()}`,
        declineCode,
        orderId: request.orderId ?? null,
        chargeReference: null,
        amount: request.amount,
        currency: request.currency,
      };
    });
    return replay(entry, 'charge');
  }

  async refund(request: RefundRequest): Promise<{ reference: string }> {
    const entry = await this.once(request.idempotencyKey, () => ({
      idempotencyKey: request.idempotencyKey,
      kind: 'refund',
      outcome: 'refunded',
      reference: `sim_re_${randomUUID()}`,
      declineCode: null,
      orderId: request.orderId ?? null,
      chargeReference: request.chargeReference,
      amount: request.amount,
      currency: request.currency,
    }));
    return replay(entry, 'refund');
  }

  /**
   * The key's recorded outcome; else the call goes through (latency, then an outage throws and records
   * nothing) and its outcome is recorded, unless a concurrent call with the key recorded one first.
   */
  private async once(idempotencyKey: string, decide: () => LedgerEntry): Promise<LedgerEntry> {
    const known = await this.ledger.find(idempotencyKey);
    if (known) return known;
    if (this.settings.latencyMs > 0) await sleep(this.settings.latencyMs);
    if (this.settings.outage) throw new PaymentProviderUnavailableError('simulated provider outage');
    return this.ledger.keepFirst(decide());
  }
}

/** The recorded outcome as the call's result: the reference, or the decline thrown again. */
function replay(entry: LedgerEntry, kind: LedgerEntry['kind']): { reference: string } {
  if (entry.kind !== kind)
    throw new Error(`idempotency key ${entry.idempotencyKey} was used for a ${entry.kind} already`);
  if (entry.outcome === 'declined' || entry.reference === null)
    throw new PaymentDeclinedError(entry.declineCode ?? 'declined');
  return { reference: entry.reference };
}
