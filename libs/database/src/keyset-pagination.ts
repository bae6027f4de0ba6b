/**
 * Keyset pagination: a page is read as "the next `limit + 1` rows after this sort key", so pages stay
 * stable while rows are added, and the cursor is the sort key of the page's last row, opaque to clients.
 */
export class InvalidCursorError extends Error {
  override readonly name = 'InvalidCursorError';
  constructor() {
    super('cursor is not one this API issued');
  }
}

/** Opaque pagination cursor: the sort key of the last row, base64url-encoded. */
export function encodeCursor(parts: string[]): string {
  return Buffer.from(JSON.stringify(parts)).toString('base64url');
}

/** The sort key a cursor carries; throws `InvalidCursorError` for anything this API did not issue. */
export function decodeCursor(cursor: string, arity: number): string[] {
  try {
    const parts: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(parts) && parts.length === arity && parts.every((p) => typeof p === 'string')) {
      return parts;
    }
  } catch {
    // fall through: any undecodable cursor is reported the same way
  }
  throw new InvalidCursorError();
}

export interface KeysetPage<T> {
  items: T[];
  nextCursor: string | null;
}

/**
 * Turns the `limit + 1` rows a keyset query read into a page: the first `limit` rows, and a cursor on the
 * last of them only when another row exists after it.
 */
export function keysetPage<T>(rows: readonly T[], limit: number, keyOf: (row: T) => string[]): KeysetPage<T> {
  const items = rows.slice(0, limit);
  const more = rows.length > limit && items.length > 0;
  return { items, nextCursor: more ? encodeCursor(keyOf(items[items.length - 1])) : null };
}
