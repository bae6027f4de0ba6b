import type { Principal } from './principal';

export interface VerifiedTokenCacheOptions {
  /** Tokens remembered at most; the oldest goes first. @default 10_000 */
  maxEntries?: number;
  /** How long a token is trusted without a new signature check (bounds how late a key revocation bites). @default 60 */
  ttlSeconds?: number;
  /** @default Date.now */
  now?: () => number;
}

/**
 * Tokens verified lately, by their exact text: a client sends the same token with every request, and a
 * repeated token then costs a lookup instead of a signature check (ES256 costs ~0.15 ms of CPU). Only
 * tokens that passed every check are kept, never past their own `exp`, and for `ttlSeconds` at most.
 */
export class VerifiedTokenCache {
  private readonly entries = new Map<string, { principal: Principal; until: number }>();
  private readonly maxEntries: number;
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(options: VerifiedTokenCacheOptions = {}) {
    this.maxEntries = options.maxEntries ?? 10_000;
    this.ttlMs = (options.ttlSeconds ?? 60) * 1000;
    this.now = options.now ?? Date.now;
  }

  get(token: string): Principal | undefined {
    const entry = this.entries.get(token);
    if (!entry) return undefined;
    if (this.now() < entry.until) return entry.principal;
    this.entries.delete(token);
    return undefined;
  }

  /** Remembers a verified token until `expiresAt` (seconds, its `exp`) or the TTL, whichever is first. */
  set(token: string, principal: Principal, expiresAt: number): void {
    const until = Math.min(expiresAt * 1000, this.now() + this.ttlMs);
    if (until <= this.now()) return;
    this.entries.delete(token);
    this.entries.set(token, { principal, until });
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }
}
