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

/**
 * Credentials in request and response headers, removed by pino's redaction. Only exact paths: pino
 * evaluates its paths on every child logger's bindings too (one per request), and wildcard paths there
 * cost more than the rest of the access log line. Secret fields anywhere in a line are `withoutSecrets`'s.
 */
export const DEFAULT_REDACT_PATHS: readonly string[] = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'req.headers["proxy-authorization"]',
  'res.headers["set-cookie"]',
  'http.request.headers.authorization',
  'http.request.headers.cookie',
  'http.request.headers["x-api-key"]',
  'http.response.headers["set-cookie"]',
];

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
