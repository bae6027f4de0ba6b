import type { HeaderObject, ReferenceObject } from '@nestjs/swagger';

/**
 * The response headers the API documents, as `components.headers` of the document; responses point at
 * them with `headerRefs(...)`.
 */
export const RESPONSE_HEADERS = {
  Location: {
    description: 'Where the resource can be read (a path on this API)',
    schema: { type: 'string', format: 'uri-reference' },
    example: '/orders/9b2f0c1e-8a4d-4c59-9a3e-2b8e5f0c9d41',
  },
  'Idempotent-Replayed': {
    description:
      '`true` when the answer repeats the one given to an earlier request with the same `Idempotency-Key` ' +
      '(nothing was done again); absent otherwise',
    schema: { type: 'string', enum: ['true'] },
  },
  'Retry-After': {
    description: 'Seconds to wait before trying again (RFC 9110 §10.2.3)',
    schema: { type: 'integer', minimum: 0 },
    example: 12,
  },
  'RateLimit-Policy': {
    description:
      'The order limit (draft-ietf-httpapi-ratelimit-headers), an RFC 9651 structured-field List with one ' +
      'Item: the policy’s name (RATE_LIMIT_POLICY_NAME) with `q`, the orders allowed per window, and `w`, ' +
      'the window in seconds. Only while the limit is on (ORDER_RATE_LIMIT_PER_MINUTE > 0).',
    schema: { type: 'string' },
    example: '"orders";q=60;w=60',
  },
  RateLimit: {
    description:
      'Where the customer stands in the order limit (draft-ietf-httpapi-ratelimit-headers), an RFC 9651 ' +
      'structured-field List with one Item: the policy’s name with `r`, the orders left in this window, and ' +
      '`t`, the seconds until the window resets. Absent while the limit’s store cannot be reached (the ' +
      'order is then not limited).',
    schema: { type: 'string' },
    example: '"orders";r=59;t=60',
  },
  'WWW-Authenticate': {
    description:
      'The bearer challenge (RFC 6750 §3): `error` says what to do — send a token (no `error`), send it in ' +
      'the Authorization header (`invalid_request`), get a new one (`invalid_token`) or one with `scope` ' +
      '(`insufficient_scope`)',
    schema: { type: 'string' },
    example: 'Bearer realm="orders-api", error="invalid_token"',
  },
} satisfies Record<string, HeaderObject>;

/** The name of a documented response header. */
export type ResponseHeaderName = keyof typeof RESPONSE_HEADERS;

/** `{ Location: { $ref: '#/components/headers/Location' }, … }` for a response's `headers`. */
export function headerRefs(...names: ResponseHeaderName[]): Record<string, ReferenceObject> {
  return Object.fromEntries(names.map((name) => [name, { $ref: `#/components/headers/${name}` }]));
}
