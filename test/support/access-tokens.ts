import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  loadOrCreateLocalSigningKey,
  OPERATOR_SCOPE,
  readLocalSigningKey,
  signAccessToken,
  type LocalSigningKey,
} from '@app/auth';

/** Who a test request is sent as: a customer id (the token's `sub`), with scopes for operators. */
export type Caller = string | { subject: string; scopes: readonly string[] };

/** The customer test requests are sent as unless they say otherwise. */
export const DEFAULT_CUSTOMER = 'c-42';
/** A token with the operator scope. */
export const OPERATOR: Caller = { subject: 'ops-1', scopes: [OPERATOR_SCOPE] };

/**
 * A folder for an API's local signing key (`AUTH_LOCAL_KEY_FILE`), created per test API so suites never
 * share or leave a key behind; the API generates the key there on its first start.
 */
export async function createKeyFolder(): Promise<{ keyFile: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'orders-auth-'));
  return {
    keyFile: path.join(dir, 'auth/local-signing-key.json'),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/**
 * Mints access tokens with an API's local key, as `npm run token` does (a day's validity), one per
 * caller, reused.
 */
export class AccessTokens {
  private readonly cache = new Map<string, Promise<string>>();

  private constructor(readonly key: LocalSigningKey) {}

  /**
   * Reads the key in `keyFile`, the file the API under test was started with (and created, unless
   * `create`: then it is created here, for an API that does not use it).
   */
  static async fromKeyFile(keyFile: string, { create = false } = {}): Promise<AccessTokens> {
    const key = create ? await loadOrCreateLocalSigningKey(keyFile) : await readLocalSigningKey(keyFile);
    if (!key) throw new Error(`the API did not create its signing key ${keyFile}`);
    return new AccessTokens(key);
  }

  token(caller: Caller = DEFAULT_CUSTOMER): Promise<string> {
    const { subject, scopes } = typeof caller === 'string' ? { subject: caller, scopes: [] } : caller;
    const cacheKey = `${subject} ${scopes.join(' ')}`;
    let token = this.cache.get(cacheKey);
    if (!token) {
      token = signAccessToken(this.key, { subject, scopes });
      this.cache.set(cacheKey, token);
    }
    return token;
  }

  /** `{ authorization: 'Bearer …' }` for `caller`. */
  async headers(caller: Caller = DEFAULT_CUSTOMER): Promise<{ authorization: string }> {
    return { authorization: `Bearer ${await this.token(caller)}` };
  }
}
