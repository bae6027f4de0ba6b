import { VerifiedTokenCache } from './verified-token-cache';

const principal = { subject: 'c-42', scopes: new Set<string>() };

describe('VerifiedTokenCache', () => {
  let now: number;
  const cache = (options: { maxEntries?: number; ttlSeconds?: number } = {}) =>
    new VerifiedTokenCache({ ...options, now: () => now });
  beforeEach(() => {
    now = 1_000_000_000_000;
  });

  it('answers a repeated token until its TTL, then forgets it', () => {
    const tokens = cache({ ttlSeconds: 60 });
    tokens.set('t', principal, now / 1000 + 3600);
    now += 59_999;
    expect(tokens.get('t')).toBe(principal);
    now += 1;
    expect(tokens.get('t')).toBeUndefined();
  });

  it('never answers a token past its own exp, however long the TTL', () => {
    const tokens = cache({ ttlSeconds: 600 });
    tokens.set('t', principal, now / 1000 + 5);
    now += 4_999;
    expect(tokens.get('t')).toBe(principal);
    now += 1;
    expect(tokens.get('t')).toBeUndefined();
    tokens.set('expired', principal, now / 1000 - 1);
    expect(tokens.get('expired')).toBeUndefined();
  });

  it('keeps at most maxEntries, dropping the oldest', () => {
    const tokens = cache({ maxEntries: 2 });
    for (const t of ['a', 'b', 'c']) tokens.set(t, principal, now / 1000 + 3600);
    expect(['a', 'b', 'c'].map((t) => tokens.get(t) !== undefined)).toEqual([false, true, true]);
  });
});
