import { TokenRejectedError } from './token-rejection';

/** RFC 6750 §2.1: `Bearer` (any case), one space, a token68. */
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i;
/** Far beyond any real access token; longer headers are refused before any parsing. */
const MAX_TOKEN_LENGTH = 8 * 1024;

/**
 * The bearer token of an `Authorization` header. Throws TokenRejectedError `missing` when there is no
 * header or it uses another scheme, `malformed` when it is not a single well-formed bearer token.
 */
export function bearerTokenFrom(header: string | string[] | undefined): string {
  if (header === undefined || header === '') throw new TokenRejectedError('missing');
  if (typeof header !== 'string') throw new TokenRejectedError('malformed');
  const match = header.length <= MAX_TOKEN_LENGTH + 16 ? BEARER.exec(header.trim()) : null;
  if (match) return match[1];
  if (!/^bearer\b/i.test(header.trim())) throw new TokenRejectedError('missing'); // Basic, Digest, …
  throw new TokenRejectedError('malformed');
}
