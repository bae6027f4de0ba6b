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
/** Query parameters that carry credentials (OAuth's `access_token`, RFC 6750 §2.3), besides the fields above. */
const SECRET_QUERY_PARAMS = new Set([...SECRET_FIELDS, 'access_token']);

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

const SECRET_QUERY_IN_URL = new RegExp(`([?&](?:${[...SECRET_QUERY_PARAMS].join('|')})=)[^&#]*`, 'gi');

/** A URL whose credential query parameters are censored (the same string when it has no query). */
function censorUrl(url: unknown): unknown {
  return typeof url === 'string' && url.includes('?')
    ? url.replace(SECRET_QUERY_IN_URL, `$1${REDACTED}`)
    : url;
}

/** Query parameters with credential values censored: a copy when one is present. */
function censorQuery(query: unknown): unknown {
  if (!query || typeof query !== 'object') return query;
  let copy: Record<string, unknown> | undefined;
  for (const name of Object.keys(query)) {
    if (!SECRET_QUERY_PARAMS.has(name)) continue;
    copy ??= { ...(query as Record<string, unknown>) };
    copy[name] = REDACTED;
  }
  return copy ?? query;
}

interface SerializedRequest {
  url?: unknown;
  headers?: Record<string, unknown>;
  query?: unknown;
}
interface SerializedResponse {
  headers?: Record<string, unknown>;
}

/**
 * pino serializers for the request and response of an access log line (pino-http hands them pino's
 * standard serialization, a fresh object per call): credential headers and query parameters become
 * `[REDACTED]`. This replaces pino's path redaction for them, which pino applies to every child
 * logger's bindings (one per request) by cloning and stringifying the request, logged or not.
 */
export const credentialSafeSerializers = {
  req<T extends SerializedRequest>(request: T): T {
    if (request.headers) request.headers = censorHeaders(request.headers, SECRET_REQUEST_HEADERS);
    if (request.query) request.query = censorQuery(request.query);
    request.url = censorUrl(request.url);
    return request;
  },
  res<T extends SerializedResponse>(response: T): T {
    if (response.headers) response.headers = censorHeaders(response.headers, SECRET_RESPONSE_HEADERS);
    return response;
  },
};

/**
 * ECS fields of a request or response logged directly (`logger.info({ req })`, converted by the ECS
 * formatter into `http.request.headers`) with their credential headers censored: a copy when one is present.
 */
export function withoutCredentialHeaders(line: Record<string, unknown>): Record<string, unknown> {
  const http = line.http as
    | { request?: { headers?: Record<string, unknown> }; response?: { headers?: Record<string, unknown> } }
    | undefined;
  if (!http || typeof http !== 'object') return line;
  const requestHeaders = http.request?.headers;
  const responseHeaders = http.response?.headers;
  const request = requestHeaders && censorHeaders(requestHeaders, SECRET_REQUEST_HEADERS);
  const response = responseHeaders && censorHeaders(responseHeaders, SECRET_RESPONSE_HEADERS);
  if (request === requestHeaders && response === responseHeaders) return line;
  return {
    ...line,
    http: {
      ...http,
      ...(http.request && { request: { ...http.request, headers: request } }),
      ...(http.response && { response: { ...http.response, headers: response } }),
    },
  };
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
