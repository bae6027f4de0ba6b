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

/**
 * Paths pino removes before a line leaves the process: credentials in request/response headers, and
 * card data, passwords and tokens wherever a log call puts them (up to three levels deep).
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
  ...SECRET_FIELDS.flatMap((field) => [field, `*.${field}`, `*.*.${field}`]),
];
