import type { FuzzCredentials, TokenKind } from './fuzz-credentials';

/** How requests outside the document (unknown routes, undocumented methods) are named in reports. */
export const OFF_DOCUMENT = 'off-document';

/** A piece of the path: fixed text, a value (percent-encoded when sent unless `encoded`), or a real id. */
export type PathPart =
  { literal: string } | { value: string; encoded?: boolean } | { pool: string; index: number };

export type Authorization =
  | { kind: 'none' }
  /** A token of a kind, in the `Authorization` header, in `?access_token=` or in both. */
  | { kind: 'token'; token: TokenKind; placement: 'header' | 'query' | 'both' }
  /** An `Authorization` header sent as it is. */
  | { kind: 'raw'; header: string };

/**
 * One generated request, independent of the server it goes to: tokens and real ids are named, not
 * spelled out, so the same seed plans the same requests against any API (`describe` is their text).
 */
export interface FuzzRequest {
  /** The document's operation (`GET /orders/{id}`), or OFF_DOCUMENT. */
  operation: string;
  method: string;
  path: PathPart[];
  query: Array<{ name: string; value: string; encoded?: boolean }>;
  headers: Array<[string, string]>;
  authorization: Authorization;
  body?: { text: string; contentType?: string };
  /** What is unusual about it (`auth:expired`, `body:wrong-type`, `path:random-uuid`, …), for reports. */
  families: string[];
}

/** Real values the generated requests refer to: ids by pool (`orders.id` → the seeded orders' ids). */
export type Pools = ReadonlyMap<string, readonly string[]>;

/** The request as sent: the path with its query string, headers and body bytes. */
export interface WireRequest {
  method: string;
  target: string;
  headers: Record<string, string | string[]>;
  body?: Buffer;
}

export function toWireRequest(request: FuzzRequest, credentials: FuzzCredentials, pools: Pools): WireRequest {
  const path = request.path
    .map((part) => {
      if ('literal' in part) return part.literal;
      if ('pool' in part) {
        const values = pools.get(part.pool) ?? [];
        return encode(values[part.index % values.length] ?? 'no-such-value');
      }
      return part.encoded ? part.value : encode(part.value);
    })
    .join('');
  const query = request.query.map(({ name, value, encoded }) =>
    encoded ? `${name}=${value}` : `${encode(name)}=${encode(value)}`,
  );
  const headers: Record<string, string | string[]> = {};
  const add = (name: string, value: string) => {
    const key = name.toLowerCase();
    const existing = headers[key];
    headers[key] =
      existing === undefined ? value : [...(Array.isArray(existing) ? existing : [existing]), value];
  };
  for (const [name, value] of request.headers) add(name, value);
  const auth = request.authorization;
  if (auth.kind === 'raw') add('authorization', auth.header);
  if (auth.kind === 'token') {
    const token = credentials.token(auth.token);
    if (auth.placement !== 'query') add('authorization', `Bearer ${token}`);
    if (auth.placement !== 'header') query.push(`access_token=${token}`);
  }
  let body: Buffer | undefined;
  if (request.body) {
    body = Buffer.from(request.body.text, 'utf8');
    if (request.body.contentType !== undefined) add('content-type', request.body.contentType);
    headers['content-length'] = String(body.length);
  }
  return {
    method: request.method,
    target: query.length ? `${path}?${query.join('&')}` : path,
    headers,
    body,
  };
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Percent-encoding as UTF-8; a lone surrogate (which UTF-8 cannot carry) becomes U+FFFD. */
const encode = (text: string) => encodeURIComponent(text.replace(LONE_SURROGATE, '\uFFFD'));

/** One line naming the request, with real ids and tokens by name (`<orders.id#3>`, `<token:expired>`). */
export function describe(request: FuzzRequest): string {
  const path = request.path
    .map((part) =>
      'literal' in part
        ? part.literal
        : 'pool' in part
          ? `<${part.pool}#${part.index}>`
          : abbreviate(part.value),
    )
    .join('');
  const query = request.query.map(({ name, value }) => `${abbreviate(name)}=${abbreviate(value)}`);
  const auth = request.authorization;
  if (auth.kind === 'token' && auth.placement !== 'header') query.push(`access_token=<token:${auth.token}>`);
  const parts = [`${request.method} ${path}${query.length ? `?${query.join('&')}` : ''}`];
  if (auth.kind === 'token' && auth.placement !== 'query') parts.push(`auth=<token:${auth.token}>`);
  if (auth.kind === 'raw') parts.push(`auth=${JSON.stringify(abbreviate(auth.header))}`);
  if (auth.kind === 'none') parts.push('auth=none');
  for (const [name, value] of request.headers) parts.push(`${name}: ${JSON.stringify(abbreviate(value))}`);
  if (request.body)
    parts.push(
      `body(${request.body.contentType ?? 'no content-type'}, ${Buffer.byteLength(request.body.text)} B)=${JSON.stringify(abbreviate(request.body.text, 300))}`,
    );
  return parts.join(' | ');
}

function abbreviate(text: string, max = 120): string {
  return text.length <= max ? text : `${text.slice(0, max)}…(${text.length} chars)`;
}

/** Text the request carried in its path and query: an error may quote it without leaking anything. */
export function echoesOf(request: FuzzRequest): string[] {
  const values = [
    ...request.path.flatMap((p) => ('value' in p ? [p.value, safeDecode(p.value)] : [])),
    ...request.query.flatMap((q) => [q.name, q.value]),
  ];
  return values.filter((v) => v.length >= 3);
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

const shellQuote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;

/** A shell command that sends the request again (headers over 200 characters and bodies over 500 abbreviated). */
export function curlOf(baseUrl: string, wire: WireRequest): string {
  const parts = ['curl -si', '-X', wire.method, shellQuote(`${baseUrl.replace(/\/$/, '')}${wire.target}`)];
  for (const [name, value] of Object.entries(wire.headers)) {
    if (name === 'content-length') continue;
    for (const v of Array.isArray(value) ? value : [value])
      parts.push(
        '-H',
        shellQuote(`${name}: ${v.length > 200 ? `${v.slice(0, 200)}…(${v.length} chars)` : v}`),
      );
  }
  if (wire.body) {
    const text = wire.body.toString('utf8');
    parts.push(
      '--data-binary',
      text.length > 500 ? `'<${wire.body.length} bytes: send it with --replay>'` : shellQuote(text),
    );
  }
  return parts.join(' ');
}
