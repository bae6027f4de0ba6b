/** Censor written in place of a redacted value. */
export const REDACTED = '[REDACTED]';

const SECRET_FIELDS = [
  'cardNumber',
  'card_number',
  'cvv',
  'password',
  'token',
  'accessToken',
  'refreshToken',
  'apiKey',
  'secret',
];

const SECRET_KEYS = new Set(SECRET_FIELDS);

/** Request headers that carry credentials: written as `[REDACTED]` wherever a request is logged. */
const SECRET_REQUEST_HEADERS = ['authorization', 'cookie', 'x-api-key', 'proxy-authorization'];
/** Response headers that carry credentials. */
const SECRET_RESPONSE_HEADERS = ['set-cookie'];
/** `headers` with the listed ones censored: a copy when one is present, else the same object. */
function censorHeaders<T extends Record<string, unknown>>(headers: T, secret: readonly string[]): T {
  if (!headers || typeof headers !== 'object') return headers;
  let copy: Record<string, unknown> | undefined;
  for (const name of secret) {
    if (headers[name] === undefined) continue;
    copy ??= { ...headers };
    copy[name] = REDACTED;
  }
  return (copy ?? headers) as T;
}

/** Query parameters that carry credentials (OAuth's `access_token`, RFC 6750 §2.3), besides the fields above. */
const SECRET_QUERY_PARAMS = [...SECRET_FIELDS, 'access_token'];
const SECRET_QUERY_IN_URL = new RegExp(`([?&](?:${SECRET_QUERY_PARAMS.join('|')})=)[^&#]*`, 'gi');

/** A URL (`?` included) or query string (without it) whose credential parameters are censored. */
function censorQuery(url: unknown, withMark: boolean): unknown {
  if (typeof url !== 'string' || url === '' || (withMark && !url.includes('?'))) return url;
  const censored = (withMark ? url : `?${url}`).replace(SECRET_QUERY_IN_URL, `$1${REDACTED}`);
  return withMark ? censored : censored.slice(1);
}

type HttpFields = {
  request?: { headers?: Record<string, unknown> };
  response?: { headers?: Record<string, unknown> };
};
type UrlFields = { full?: unknown; query?: unknown };

/**
 * The ECS fields of a request or response logged directly (`logger.info({ req })`, converted by the ECS
 * formatter into `http.request.headers`, `url.full`, `url.query`…) with their credential headers and query
 * parameters censored: a copy when one is present. The access line logs neither headers nor query.
 */
export function withoutRequestCredentials(line: Record<string, unknown>): Record<string, unknown> {
  const http = line.http as HttpFields | undefined;
  const url = line.url as UrlFields | undefined;
  if ((!http || typeof http !== 'object') && (!url || typeof url !== 'object')) return line;
  let written = line;
  if (http && typeof http === 'object') {
    const requestHeaders = http.request?.headers;
    const responseHeaders = http.response?.headers;
    const request = requestHeaders && censorHeaders(requestHeaders, SECRET_REQUEST_HEADERS);
    const response = responseHeaders && censorHeaders(responseHeaders, SECRET_RESPONSE_HEADERS);
    if (request !== requestHeaders || response !== responseHeaders)
      written = {
        ...written,
        http: {
          ...http,
          ...(http.request && { request: { ...http.request, headers: request } }),
          ...(http.response && { response: { ...http.response, headers: response } }),
        },
      };
  }
  if (url && typeof url === 'object') {
    const full = censorQuery(url.full, true);
    const query = censorQuery(url.query, false);
    if (full !== url.full || query !== url.query)
      written = {
        ...written,
        url: { ...url, ...(url.full !== undefined && { full }), ...(url.query !== undefined && { query }) },
      };
  }
  return written;
}

/** Only plain data is searched: request objects, errors and class instances are written by serializers. */
function isPlain(value: unknown): value is Record<string, unknown> | unknown[] {
  if (value === null || typeof value !== 'object') return false;
  if (Array.isArray(value)) return true;
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
}

/**
 * The line's fields with card data, passwords and tokens (`cardNumber`, `cvv`, `token`, …) replaced by
 * `[REDACTED]`, up to three levels deep, wherever a log call puts them. Runs only for lines that are
 * written (a pino log formatter), copies only what it changes and never touches the caller's objects.
 */
export function withoutSecrets<T extends Record<string, unknown> | unknown[]>(value: T, depth = 0): T {
  if (Array.isArray(value) && depth > 2) return value;
  let copy: Record<string, unknown> | unknown[] | undefined;
  for (const key of Object.keys(value)) {
    const field = (value as Record<string, unknown>)[key];
    let written = field;
    if (SECRET_KEYS.has(key)) written = REDACTED;
    // An array's items are at the array's own level: `{ lines: [{ token }] }` is two levels, like `{ lines: { token } }`.
    else if (isPlain(field) && (Array.isArray(field) || depth < 2))
      written = withoutSecrets(field, Array.isArray(field) ? depth : depth + 1);
    if (written !== field) {
      copy ??= Array.isArray(value) ? [...value] : { ...value };
      (copy as Record<string, unknown>)[key] = written;
    }
  }
  return (copy ?? value) as T;
}
