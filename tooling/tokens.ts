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
import type { ReleaseList } from './processes';

/** Who a request is sent as: a customer id (the token's `sub`), with scopes for operators. */
export type Caller = string | { subject: string; scopes: readonly string[] };

/** The customer requests are sent as unless they say otherwise. */
export const DEFAULT_CUSTOMER = 'c-42';
/** A token with the operator scope. */
export const OPERATOR: Caller = { subject: 'ops-1', scopes: [OPERATOR_SCOPE] };

/**
 * A folder for an API's local signing key (`AUTH_LOCAL_KEY_FILE`), created per API so runs never share or
 * leave a key behind; the API generates the key there on its first start.
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
   * Reads the key in `keyFile`, the file the API was started with (and created, unless `create`: then it
   * is created here when missing, for an API that does not use it or has not started yet).
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

/**
 * A local signing key created now, in a folder of its own, with tokens signed by it: for APIs started on
 * it later (AUTH_LOCAL_KEY_FILE), so that APIs sharing a database accept the same tokens. `teardown`
 * removes it; otherwise `remove()` does.
 */
export async function createSigningKey(
  teardown?: ReleaseList,
): Promise<{ keyFile: string; tokens: AccessTokens; remove(): Promise<void> }> {
  const folder = await createKeyFolder();
  teardown?.defer(`remove ${folder.keyFile}`, () => folder.remove());
  try {
    return {
      keyFile: folder.keyFile,
      tokens: await AccessTokens.fromKeyFile(folder.keyFile, { create: true }),
      remove: folder.remove,
    };
  } catch (error) {
    await folder.remove();
    throw error;
  }
}
