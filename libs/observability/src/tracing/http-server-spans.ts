import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import {
  context,
  isSpanContextValid,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Span,
} from '@opentelemetry/api';
import {
  ATTR_CLIENT_ADDRESS,
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_REQUEST_METHOD_ORIGINAL,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_NETWORK_PEER_ADDRESS,
  ATTR_NETWORK_PEER_PORT,
  ATTR_NETWORK_PROTOCOL_VERSION,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_URL_PATH,
  ATTR_URL_QUERY,
  ATTR_URL_SCHEME,
  ATTR_USER_AGENT_ORIGINAL,
  HTTP_REQUEST_METHOD_VALUE_OTHER,
} from '@opentelemetry/semantic-conventions';
import { contextWithRequestScope, requestScopeOf } from '../http/request-scope';
import { expressRoute } from '../metrics/http-route';
import { UNMATCHED_ROUTE } from '../metrics/metric-names';
import { activeTracing } from './start-tracing';
import { TRACER_NAME } from './tracing.constants';

/**
 * Query parameters whose values a server span never carries (`url.query` shows `REDACTED`): credentials
 * some clients put in URLs (an OAuth bearer token, RFC 6750 §2.3) and the signed-URL parameters the
 * semantic conventions name.
 */
export const REDACTED_QUERY_PARAMS: readonly string[] = [
  'access_token',
  'sig',
  'Signature',
  'AWSAccessKeyId',
  'X-Goog-Signature',
  'X-Amz-Signature',
  'X-Amz-Credential',
  'X-Amz-Security-Token',
];
const REDACTED_VALUE = 'REDACTED';

/** `error.type` of a request whose connection closed before its response was complete. */
export const ABORTED_ERROR_TYPE = 'aborted';

/** The methods the HTTP semantic conventions know; any other is `_OTHER`. */
const KNOWN_METHODS = new Set([
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'DELETE',
  'CONNECT',
  'OPTIONS',
  'TRACE',
  'PATCH',
  'QUERY',
]);

/** The server span of a sampled request, on its response until it ends (the response's `close` listener reads it). */
const SPAN = Symbol('observability.http-server-span');

type TracedResponse = ServerResponse & { [SPAN]?: Span };

interface FastifyRequestLike {
  readonly method: string;
  readonly url: string;
  readonly raw: IncomingMessage;
  readonly routeOptions?: { url?: string };
}

interface FastifyReplyLike {
  readonly raw: ServerResponse;
  readonly statusCode: number;
}

type HookDone = () => void;

type ExpressRequestLike = IncomingMessage & Parameters<typeof expressRoute>[0] & { originalUrl?: string };

/**
 * The HTTP server span of every request the application serves, from the framework's own hooks: one span,
 * named `GET /orders/:id` from the route the framework matched, continuing the caller's trace (W3C trace
 * context, or whatever propagators the SDK registered), in whose context the request is then served, so
 * the handler's spans are its children and its log lines carry its ids (the request scope). Probes and
 * scrapes (`Tracing.ignoredPaths`) get none.
 *
 * Cheap when a request is not sampled: the span is then the sampler's non-recording one, and nothing else
 * is done (no attribute computed, no header read but the propagation fields, nothing kept for its end).
 * A sampled span carries the stable HTTP semantic-convention attributes, as
 * `@opentelemetry/instrumentation-http` set them; it ends when the response is sent, or when the
 * connection closes before (the client gave up), exactly once. With tracing off (`OTEL_SDK_DISABLED`),
 * no hook is added at all.
 *
 * Fastify: callback-style hooks (no promise per request). Express: `expressMiddleware`, which the module
 * mounts before any route; the route is known once the response is sent, and names the span then.
 */
@Injectable()
export class HttpServerSpans implements OnModuleInit {
  private readonly tracer = trace.getTracer(TRACER_NAME);
  private readonly ignoredPaths: ReadonlySet<string>;
  private readonly enabled: boolean;

  constructor(private readonly adapterHost: HttpAdapterHost) {
    const tracing = activeTracing();
    this.enabled = tracing?.enabled === true;
    this.ignoredPaths = tracing?.ignoredPaths ?? new Set();
  }

  onModuleInit(): void {
    const adapter = this.adapterHost.httpAdapter;
    if (!this.enabled || adapter?.getType() !== 'fastify') return;
    const instance = adapter.getInstance();
    // The rest of the request runs inside `done`, in the span's context, up to the handler and whatever it
    // awaits: Fastify reads a body in the async context the request was in (an AsyncResource of its own).
    instance.addHook('onRequest', (request: FastifyRequestLike, reply: FastifyReplyLike, done: HookDone) =>
      this.onFastifyRequest(request, reply, done),
    );
    instance.addHook('onResponse', (_request: unknown, reply: FastifyReplyLike, done: HookDone) => {
      const span = takeSpan(reply.raw);
      if (span) endSpan(span, reply.raw, reply.statusCode);
      done();
    });
  }

  /** Whether the module mounts `expressMiddleware`: on Express with tracing on (Fastify is traced by its hooks). */
  needsExpressMiddleware(): boolean {
    return this.enabled && this.adapterHost.httpAdapter?.getType() === 'express';
  }

  /** Module middleware, mounted before the routes on every path: it sees every request. */
  expressMiddleware(request: ExpressRequestLike, response: ServerResponse, next: () => void): void {
    if (!this.enabled) return next();
    // Under a mount path Express rewrites `url`; `originalUrl` is what the client asked for.
    const url = request.originalUrl ?? request.url ?? '/';
    const method = request.method ?? 'GET';
    const served = this.serve(request, request, response, method, url, undefined, onExpressClose);
    if (served === undefined) return next();
    context.with(served, next);
  }

  private onFastifyRequest(request: FastifyRequestLike, reply: FastifyReplyLike, done: HookDone): void {
    // Fastify matched the route before `onRequest`: its template names the span from the start.
    const route = request.routeOptions?.url || undefined;
    const served = this.serve(
      request,
      request.raw,
      reply.raw,
      request.method,
      request.url,
      route,
      onFastifyClose,
    );
    if (served === undefined) return done();
    context.with(served, done);
  }

  /**
   * Starts the request's span and returns the context to serve it in, or undefined for an ignored path.
   * `request` is the framework's (it keeps the request scope), `raw` Node's. A sampled span is kept on the
   * response until it ends, with `onClose` on the response's `close`.
   */
  private serve(
    request: object,
    raw: IncomingMessage,
    response: ServerResponse,
    method: string,
    url: string,
    route: string | undefined,
    onClose: (this: TracedResponse) => void,
  ): Context | undefined {
    const queryAt = url.indexOf('?');
    const path = queryAt === -1 ? url : url.slice(0, queryAt);
    if (this.ignoredPaths.has(path)) return undefined;
    const parent = propagation.extract(ROOT_CONTEXT, raw.headers);
    const span = this.tracer.startSpan(spanName(method, route), { kind: SpanKind.SERVER }, parent);
    const spanContext = span.spanContext();
    const scope = requestScopeOf(request);
    if (isSpanContextValid(spanContext)) {
      scope.traceId = spanContext.traceId;
      scope.spanId = spanContext.spanId;
    }
    if (span.isRecording()) {
      span.setAttributes(requestAttributes(raw, method, path, queryAt === -1 ? '' : url.slice(queryAt + 1)));
      if (route !== undefined) span.setAttribute(ATTR_HTTP_ROUTE, route);
      (response as TracedResponse)[SPAN] = span;
      response.on('close', onClose);
    }
    return trace.setSpan(contextWithRequestScope(parent, scope), span);
  }
}

/** The span still open on `response`, taken off it: whoever takes it ends it, once. */
function takeSpan(response: ServerResponse): Span | undefined {
  const traced = response as TracedResponse;
  const span = traced[SPAN];
  if (span !== undefined) traced[SPAN] = undefined;
  return span;
}

/**
 * Fastify: `onResponse` ends the span once the response is sent; this ends it when no `onResponse` came
 * (the connection closed before the response was complete: the client gave up, the socket failed), or
 * when `close` came first (an earlier `onResponse` hook was asynchronous).
 */
function onFastifyClose(this: TracedResponse): void {
  const span = takeSpan(this);
  if (span) endSpan(span, this, this.statusCode);
}

/** Express: the route is known once the response is complete; it names the span then. */
function onExpressClose(this: TracedResponse): void {
  const span = takeSpan(this);
  if (span === undefined) return;
  const route = this.req ? expressRoute(this.req as ExpressRequestLike) : UNMATCHED_ROUTE;
  if (route !== UNMATCHED_ROUTE) {
    span.setAttribute(ATTR_HTTP_ROUTE, route);
    span.updateName(spanName(this.req.method ?? 'GET', route));
  }
  endSpan(span, this, this.statusCode);
}

/**
 * A 5xx is the server's error (`error.type` is the status code), a 4xx the client's (status left unset).
 * A response the connection closed on before it was complete is an error of its own (`aborted`); its
 * status code is recorded only if it was sent.
 */
function endSpan(span: Span, response: ServerResponse, statusCode: number): void {
  if (!response.writableFinished) {
    if (response.headersSent) span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, statusCode);
    span.setAttribute(ATTR_ERROR_TYPE, ABORTED_ERROR_TYPE);
    span.setStatus({
      code: SpanStatusCode.ERROR,
      message: 'connection closed before the response was complete',
    });
  } else {
    span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, statusCode);
    if (!(statusCode >= 100 && statusCode < 500)) {
      span.setStatus({ code: SpanStatusCode.ERROR });
      if (statusCode >= 500 && statusCode < 600) span.setAttribute(ATTR_ERROR_TYPE, String(statusCode));
    }
  }
  span.end();
}

/** `GET /orders/:id`; without a matched route, the method alone (`HTTP` for a method outside the standard set). */
function spanName(method: string, route: string | undefined): string {
  const normalized = normalizeMethod(method);
  const name = normalized === HTTP_REQUEST_METHOD_VALUE_OTHER ? 'HTTP' : normalized;
  return route === undefined ? name : `${name} ${route}`;
}

function normalizeMethod(method: string): string {
  if (KNOWN_METHODS.has(method)) return method;
  const upper = method.toUpperCase();
  return KNOWN_METHODS.has(upper) ? upper : HTTP_REQUEST_METHOD_VALUE_OTHER;
}

/**
 * The request attributes of a sampled server span, with the names and values
 * `@opentelemetry/instrumentation-http` gives them (stable HTTP semantic conventions): the server's and
 * the client's address behind proxies (`Forwarded`, `X-Forwarded-Host`/`-Proto`/`-For`, else `Host` and
 * the socket), the path as received, the query with credentials redacted. Headers other than those and
 * `User-Agent` are never read.
 */
export function requestAttributes(
  request: IncomingMessage,
  method: string,
  path: string,
  query: string,
): Attributes {
  const { headers, socket } = request;
  const scheme = (socket as { encrypted?: boolean } | undefined)?.encrypted ? 'https' : 'http';
  const normalized = normalizeMethod(method);
  const attributes: Attributes = {
    [ATTR_HTTP_REQUEST_METHOD]: normalized,
    [ATTR_URL_SCHEME]: scheme,
    [ATTR_URL_PATH]: path || '/',
  };
  if (normalized !== method) attributes[ATTR_HTTP_REQUEST_METHOD_ORIGINAL] = method;
  if (query) attributes[ATTR_URL_QUERY] = redactQuery(query);
  const forwarded = headers.forwarded ? parseForwarded(headers.forwarded) : [];
  const server = serverAddress(headers, forwarded, scheme);
  if (server?.host) attributes[ATTR_SERVER_ADDRESS] = server.host;
  if (server?.port !== undefined) attributes[ATTR_SERVER_PORT] = Number(server.port);
  const client = clientAddress(headers, forwarded) ?? socket?.remoteAddress;
  if (client) attributes[ATTR_CLIENT_ADDRESS] = client;
  if (socket?.remoteAddress) attributes[ATTR_NETWORK_PEER_ADDRESS] = socket.remoteAddress;
  if (socket?.remotePort !== undefined) attributes[ATTR_NETWORK_PEER_PORT] = socket.remotePort;
  if (request.httpVersion) attributes[ATTR_NETWORK_PROTOCOL_VERSION] = request.httpVersion;
  const userAgent = headers['user-agent'];
  if (userAgent !== undefined) attributes[ATTR_USER_AGENT_ORIGINAL] = userAgent;
  return attributes;
}

/** The query (without `?`) as URLSearchParams writes it, with the values of `REDACTED_QUERY_PARAMS` replaced. */
function redactQuery(query: string): string {
  const params = new URLSearchParams(query);
  for (const name of REDACTED_QUERY_PARAMS) if (params.has(name)) params.set(name, REDACTED_VALUE);
  return params.toString();
}

type ForwardedElement = Partial<Record<'for' | 'host' | 'proto', string>>;

/** RFC 7239 `Forwarded` elements, nearest the client first; none if the header does not parse. */
function parseForwarded(header: string): ForwardedElement[] {
  const elements: ForwardedElement[] = [];
  for (const element of header.split(',')) {
    const parsed: ForwardedElement = {};
    for (const pair of element.split(';')) {
      const at = pair.indexOf('=');
      if (at === -1) {
        if (pair.trim() === '') continue;
        return [];
      }
      const name = pair.slice(0, at).trim().toLowerCase();
      let value = pair.slice(at + 1).trim();
      if (value.startsWith('"')) {
        if (value.length < 2 || !value.endsWith('"')) return [];
        value = value.slice(1, -1).replace(/\\(.)/g, '$1');
      }
      if (name === 'for' || name === 'host' || name === 'proto') parsed[name] = value;
    }
    elements.push(parsed);
  }
  return elements;
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** `server.address`/`server.port`: the host the client asked for, the default port of its scheme if none. */
function serverAddress(
  headers: IncomingHttpHeaders,
  forwarded: ForwardedElement[],
  scheme: string,
): { host: string; port?: string } | undefined {
  for (const element of forwarded) if (element.host) return parseHost(element.host, element.proto);
  const forwardedHost = first(headers['x-forwarded-host']);
  if (forwardedHost) return parseHost(forwardedHost, first(headers['x-forwarded-proto']));
  const host = headers.host;
  return host ? parseHost(host, scheme) : undefined;
}

function parseHost(host: string, scheme: string | undefined): { host: string; port?: string } {
  const defaultPort = scheme === 'http' ? '80' : scheme === 'https' ? '443' : undefined;
  const parts = host.split(':');
  if (parts.length === 1) return { host, port: defaultPort };
  if (parts.length === 2) return { host: parts[0], port: parts[1] };
  // IPv6: `[::1]` or `[::1]:8080`.
  if (parts[0].startsWith('[')) {
    if (parts[parts.length - 1].endsWith(']')) return { host, port: defaultPort };
    if (parts[parts.length - 2].endsWith(']'))
      return { host: parts.slice(0, -1).join(':'), port: parts[parts.length - 1] };
  }
  return { host };
}

/** `client.address` behind proxies: `Forwarded: for=`, else the first `X-Forwarded-For` hop. */
function clientAddress(headers: IncomingHttpHeaders, forwarded: ForwardedElement[]): string | undefined {
  for (const element of forwarded) if (element.for) return withoutPort(element.for);
  const forwardedFor = first(headers['x-forwarded-for']);
  return forwardedFor ? withoutPort(forwardedFor.split(',')[0].trim()) : undefined;
}

function withoutPort(address: string): string {
  try {
    const { hostname } = new URL(`http://${address}`);
    return hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  } catch {
    return address;
  }
}
