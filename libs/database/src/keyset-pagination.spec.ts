import { decodeCursor, encodeCursor, InvalidCursorError, keysetPage } from './keyset-pagination';

describe('keyset pagination', () => {
  const rows = ['a', 'b', 'c', 'd'].map((sku) => ({ sku }));

  it('returns the first `limit` rows and a cursor on the last of them when another row follows', () => {
    const page = keysetPage(rows, 3, (row) => [row.sku]);
    expect(page.items).toEqual([{ sku: 'a' }, { sku: 'b' }, { sku: 'c' }]);
    expect(decodeCursor(page.nextCursor!, 1)).toEqual(['c']);
  });

  it('gives no cursor on the last page, full or not, nor on an empty one', () => {
    expect(keysetPage(rows, 4, (row) => [row.sku]).nextCursor).toBeNull();
    expect(keysetPage(rows.slice(0, 2), 3, (row) => [row.sku])).toEqual({
      items: rows.slice(0, 2),
      nextCursor: null,
    });
    expect(keysetPage([], 3, (row: { sku: string }) => [row.sku])).toEqual({ items: [], nextCursor: null });
  });

  it('round-trips a composite key and refuses cursors it did not issue', () => {
    expect(decodeCursor(encodeCursor(['2026-12-05T08:00:00.000001', 'id-1']), 2)).toEqual([
      '2026-12-05T08:00:00.000001',
      'id-1',
    ]);
    expect(() => decodeCursor(encodeCursor(['one']), 2)).toThrow(InvalidCursorError);
    expect(() => decodeCursor('not base64 json', 1)).toThrow(InvalidCursorError);
    expect(() => decodeCursor(Buffer.from('[1]').toString('base64url'), 1)).toThrow(InvalidCursorError);
  });
});
