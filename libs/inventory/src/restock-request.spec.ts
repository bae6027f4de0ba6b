import { restockRequestHash } from './restock-request';

describe('restockRequestHash', () => {
  it('is the SHA-256 of the SKU and quantity, in hex', () => {
    expect(restockRequestHash({ sku: 'SKU-001', quantity: 5 })).toMatch(/^[0-9a-f]{64}$/);
  });

  it('is the same for the same request, whatever order its fields were written in', () => {
    const reordered = JSON.parse('{"quantity":5,"sku":"SKU-001"}') as { sku: string; quantity: number };
    expect(restockRequestHash(reordered)).toBe(restockRequestHash({ sku: 'SKU-001', quantity: 5 }));
  });

  it.each([
    ['another quantity', { sku: 'SKU-001', quantity: 6 }],
    ['another SKU', { sku: 'SKU-002', quantity: 5 }],
    ['a SKU that only differs in case', { sku: 'sku-001', quantity: 5 }],
    ['the quantity as part of the SKU', { sku: 'SKU-0015', quantity: 5 }],
  ])('differs for %s', (_, other) => {
    expect(restockRequestHash(other)).not.toBe(restockRequestHash({ sku: 'SKU-001', quantity: 5 }));
  });
});
