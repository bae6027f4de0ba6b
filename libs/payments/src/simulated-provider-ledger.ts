/** What the simulated provider did for one idempotency key: the first final outcome, replayed ever after. */
export interface LedgerEntry {
  idempotencyKey: string;
  kind: 'charge' | 'refund';
  /** A charge is captured or declined; a refund is refunded. */
  outcome: 'captured' | 'declined' | 'refunded';
  /** The provider's reference of the charge or refund; null for a decline. */
  reference: string | null;
  declineCode: string | null;
  /** The order the merchant charged or refunded, when the request named it. */
  orderId: string | null;
  /** For a refund, the charge it refunds. */
  chargeReference: string | null;
  amount: number | null;
  currency: string | null;
}

/**
 * The simulated provider's record of final outcomes, keyed by idempotency key. `record` keeps the first
 * entry written for a key and returns the one kept, so of two concurrent calls both see the same outcome.
 */
export interface SimulatedProviderLedger {
  find(idempotencyKey: string): Promise<LedgerEntry | undefined>;
  keepFirst(entry: LedgerEntry): Promise<LedgerEntry>;
}

/**
 * A ledger in this process's memory: for a provider used on its own, outside the payments module (which
 * gives it the shared PostgreSQL ledger, so that every process sees the same charges).
 */
export class InMemorySimulatedProviderLedger implements SimulatedProviderLedger {
  private readonly entries = new Map<string, LedgerEntry>();

  async find(idempotencyKey: string): Promise<LedgerEntry | undefined> {
    return this.entries.get(idempotencyKey);
  }

  async keepFirst(entry: LedgerEntry): Promise<LedgerEntry> {
    const kept = this.entries.get(entry.idempotencyKey) ?? entry;
    this.entries.set(entry.idempotencyKey, kept);
    return kept;
  }
}
