import { returningRows } from '@app/database';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { LedgerEntry, SimulatedProviderLedger } from './simulated-provider-ledger';

const COLUMNS =
  'idempotency_key, kind, outcome, reference, decline_code, order_id, charge_reference, amount, currency';

/**
 * The ledger's statements. Recording is `INSERT … ON CONFLICT DO NOTHING`: of concurrent writers of one
 * key exactly one inserts; the others get no row back and read the winner's in a statement of their own
 * (the insert's snapshot predates the winner's commit, so it cannot see that row itself).
 */
export const SIMULATED_LEDGER_SQL = {
  find: `SELECT ${COLUMNS} FROM simulated_provider_ledger WHERE idempotency_key = $1`,
  record:
    `INSERT INTO simulated_provider_ledger (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ` +
    `ON CONFLICT (idempotency_key) DO NOTHING RETURNING ${COLUMNS}`,
} as const;

interface LedgerRow {
  idempotency_key: string;
  kind: LedgerEntry['kind'];
  outcome: LedgerEntry['outcome'];
  reference: string | null;
  decline_code: string | null;
  order_id: string | null;
  charge_reference: string | null;
  amount: string | null;
  currency: string | null;
}

const entryOf = (row: LedgerRow): LedgerEntry => ({
  idempotencyKey: row.idempotency_key,
  kind: row.kind,
  outcome: row.outcome,
  reference: row.reference,
  declineCode: row.decline_code,
  orderId: row.order_id,
  chargeReference: row.charge_reference,
  amount: row.amount === null ? null : Number(row.amount),
  currency: row.currency,
});

/**
 * The simulated provider's ledger in PostgreSQL (table `simulated_provider_ledger`), shared by every
 * process as a real provider's one ledger is. It stands for the provider's own systems: the payments
 * domain never reads it; tests count captures in it.
 */
@Injectable()
export class SimulatedProviderLedgerRepository implements SimulatedProviderLedger {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async find(idempotencyKey: string): Promise<LedgerEntry | undefined> {
    const [row] = await returningRows<LedgerRow>(this.dataSource, SIMULATED_LEDGER_SQL.find, [
      idempotencyKey,
    ]);
    return row && entryOf(row);
  }

  async keepFirst(entry: LedgerEntry): Promise<LedgerEntry> {
    const [inserted] = await returningRows<LedgerRow>(this.dataSource, SIMULATED_LEDGER_SQL.record, [
      entry.idempotencyKey,
      entry.kind,
      entry.outcome,
      entry.reference,
      entry.declineCode,
      entry.orderId,
      entry.chargeReference,
      entry.amount,
      entry.currency,
    ]);
    if (inserted) return entryOf(inserted);
    const kept = await this.find(entry.idempotencyKey);
    if (!kept) throw new Error(`ledger entry ${entry.idempotencyKey} neither inserted nor found`);
    return kept;
  }
}
