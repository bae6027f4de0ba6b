import { readLocalSigningKey, signAccessToken } from '@app/auth';
import { decodeJwt } from 'jose';
import { OptionsError } from './options-error';

/** Long enough for long runs (runs without a duration go on until stopped). */
const TOKEN_TTL_SECONDS = 7 * 24 * 3600;

/** Who the load's requests are sent as: a bearer token per customer. */
export interface Credentials {
  /** The customers orders are placed, read, listed and cancelled as. */
  readonly customers: readonly string[];
  /** The `Authorization` header value of `customer`. */
  authorization(customer: string): string;
}

/**
 * Tokens for the load. With `token`: that one token for everything (an API verifying against its
 * issuer's JWKS; its `sub` is the only customer). Otherwise tokens for `customers` customers
 * `c-load-1` … signed with the API's local development key in `keyFile` (never created here: a new key
 * would not be the API's).
 */
export async function createCredentials(options: {
  keyFile: string;
  token?: string;
  customers: number;
}): Promise<Credentials> {
  if (options.token) {
    let subject: unknown;
    try {
      subject = decodeJwt(options.token).sub; // only to name the customer in the summary
    } catch {
      throw new OptionsError('--token must be a JWT (three base64url parts)');
    }
    const authorization = `Bearer ${options.token}`;
    return {
      customers: [typeof subject === 'string' ? subject : 'token'],
      authorization: () => authorization,
    };
  }
  const key = await readLocalSigningKey(options.keyFile);
  if (!key)
    throw new OptionsError(
      `no local signing key at ${options.keyFile}: start the API once (it creates the key), pass the ` +
        "API's AUTH_LOCAL_KEY_FILE with --key-file, or a token with --token",
    );
  const customers = Array.from({ length: options.customers }, (_, i) => `c-load-${i + 1}`);
  const headers = new Map<string, string>();
  for (const customer of customers)
    headers.set(
      customer,
      `Bearer ${await signAccessToken(key, { subject: customer, expiresInSeconds: TOKEN_TTL_SECONDS })}`,
    );
  return {
    customers,
    authorization: (customer) => {
      const header = headers.get(customer);
      if (!header) throw new Error(`no token for ${customer}`);
      return header;
    },
  };
}
