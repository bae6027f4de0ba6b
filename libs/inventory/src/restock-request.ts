import { createHash } from 'node:crypto';

/** What a restock asks for: the key's request hash is made of exactly this. */
export interface RestockRequest {
  sku: string;
  quantity: number;
}

/**
 * Identifies a restock request under an `Idempotency-Key`: the SHA-256 (hex) of its canonical form, the
 * SKU and the quantity in a fixed order, so the same request hashes the same however its JSON was written.
 * The operator is not part of it: keys are stored per operator already.
 */
export function restockRequestHash(request: RestockRequest): string {
  const canonical = JSON.stringify(['restock', request.sku, request.quantity]);
  return createHash('sha256').update(canonical).digest('hex');
}
