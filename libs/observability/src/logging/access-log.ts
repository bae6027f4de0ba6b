import type { IncomingHttpHeaders } from 'node:http';
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { context, isSpanContextValid, trace } from '@opentelemetry/api';
import type { Level, Logger } from 'pino';
import { contextWithRequestScope, requestScopeOf, type RequestScope } from '../http/request-scope';
import { expressRoute } from '../metrics/http-route';
import { UNMATCHED_ROUTE } from '../metrics/metric-names';
import { APP_LOGGER } from './app-logger';
import { requestIdFrom } from './request-id';

const QUIET_PATHS = /^\/(health\/|metrics)/;

/**
 * The level of a request's access line, undefined when none is written: probes and scrapes that succeed
 * are left out (they come every few seconds); a failing one is written at `warn` (readiness answers 503 by
 * design while the process drains or a dependency is down); otherwise `error` for 5xx, `warn` for 4xx,
 * `info` for the rest.
 */
export function accessLogLevel(path: string, statusCode: number): Level | undefined {
  const quiet = QUIET_PATHS.test(path);
  if (statusCode >= 500) return quiet ? 'warn' : 'error';
  if (statusCode >= 400) return 'warn';
  return quiet ? undefined : 'info';
}

/** The path of a request target, without its query string (which may carry credentials). */
function pathOf(url: string): string {
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

/** What one request's access line is made of, whichever the HTTP framework. */
interface Served {
  method: string;
  path: string;
  /** The matched route's template; undefined when no route matched. */
  route: string | undefined;
  /** Undefined when the client went away before any response. */
  statusCode: number | undefined;
  durationNs: number | undefined;
  clientAddress: string | undefined;
  userAgent: string | undefined;
}

type FastifyRequestLike = {
  method: string;
  url: string;
  ip?: string;
  headers: IncomingHttpHeaders;
  routeOptions?: { url?: string };
};
type FastifyReplyLike = { statusCode: number; elapsedTime: number };

type ExpressRequestLike = {
  id?: unknown;
  method: string;
  url: string;
  originalUrl?: string;
  ip?: string;
  headers: IncomingHttpHeaders;
  socket?: { remoteAddress?: string };
  baseUrl?: string;
  route?: { path?: unknown };
};
type ExpressResponseLike = NodeJS.EventEmitter & {
  statusCode: number;
  setHeader(name: string, value: string): unknown;
};

/**
 * The access log: one `request completed` line per request, written once when the response is done, with
 * ECS names — `http.request.method`, `url.path` (never the query string), `http.route`,
 * `http.response.status_code`, `http.request.id`, `event.duration` (ns), `client.address`,
 * `user_agent.original`, `trace.id`/`span.id` of the server span, and the domain ids a handler named
 * (`@LogContext`) — and no header at all. Levels: `accessLogLevel`. Written with the application logger,
 * so log sampling decides it by the request's trace like the request's other lines.
 *
 * Fastify: one `onResponse` hook, which sees every request, unknown routes and body errors included, and
 * one `onRequestAbort` hook for a request whose client closed the connection before it was answered
 * (Fastify runs no `onResponse` for it): a `request aborted` line at `warn`, without status or duration.
 * Express: a middleware (`expressMiddleware`) the module mounts before the routes. With logs off
 * (`silent`, or a level above `error`) nothing is registered at all.
 */
@Injectable()
export class AccessLog implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Inject(APP_LOGGER) private readonly logger: Logger,
  ) {}

  /** Whether any access line can be written: the lowest level one has is `warn`, a 5xx `error`. */
  private get enabled(): boolean {
    return this.logger.isLevelEnabled('error');
  }

  onModuleInit(): void {
    const adapter = this.adapterHost.httpAdapter;
    if (!this.enabled || adapter?.getType() !== 'fastify') return;
    const instance = adapter.getInstance();
    // Callback style: no promise per request.
    instance.addHook(
      'onResponse',
      (request: FastifyRequestLike, reply: FastifyReplyLike, done: () => void) => {
        this.fastifyResponse(request, reply);
        done();
      },
    );
    instance.addHook('onRequestAbort', (request: FastifyRequestLike, done: () => void) => {
      this.fastifyAbort(request);
      done();
    });
  }

  /** A client that went away unanswered: operators look for these when callers time out. */
  private fastifyAbort(request: FastifyRequestLike): void {
    if (!this.logger.isLevelEnabled('warn')) return;
    this.write(
      'warn',
      requestScopeOf(request),
      {
        method: request.method,
        path: pathOf(request.url),
        route: request.routeOptions?.url || undefined,
        statusCode: undefined,
        durationNs: undefined,
        clientAddress: request.ip,
        userAgent: request.headers['user-agent'],
      },
      'request aborted',
    );
  }

  private fastifyResponse(request: FastifyRequestLike, reply: FastifyReplyLike): void {
    const path = pathOf(request.url);
    const level = accessLogLevel(path, reply.statusCode);
    if (level === undefined || !this.logger.isLevelEnabled(level)) return;
    this.write(level, requestScopeOf(request), {
      method: request.method,
      path,
      route: request.routeOptions?.url || undefined,
      statusCode: reply.statusCode,
      durationNs: Math.round(reply.elapsedTime * 1e6),
      clientAddress: request.ip,
      userAgent: request.headers['user-agent'],
    });
  }

  /** Express has no hooks: the access log is a middleware on every route, mounted before them. */
  needsExpressMiddleware(): boolean {
    return this.enabled && this.adapterHost.httpAdapter?.getType() === 'express';
  }

  /**
   * Express: gives the request its id (a sane `X-Request-Id`, else a UUID, echoed in the response's
   * `X-Request-Id`) and its scope, serves the rest of the request in that scope (so the lines written
   * meanwhile carry `http.request.id`), and writes the access line once the response is finished.
   */
  expressMiddleware(request: ExpressRequestLike, response: ExpressResponseLike, next: () => void): void {
    if (request.id === undefined || request.id === null || request.id === '') {
      request.id = requestIdFrom(request.headers);
      response.setHeader('x-request-id', String(request.id));
    }
    const scope = requestScopeOf(request);
    const active = context.active();
    const server = trace.getSpanContext(active);
    if (scope.traceId === undefined && server && isSpanContextValid(server)) {
      scope.traceId = server.traceId;
      scope.spanId = server.spanId;
    }
    const started = process.hrtime.bigint();
    response.once('finish', () => {
      const path = pathOf(request.originalUrl ?? request.url);
      const level = accessLogLevel(path, response.statusCode);
      if (level === undefined || !this.logger.isLevelEnabled(level)) return;
      const route = expressRoute(request);
      this.write(level, scope, {
        method: request.method,
        path,
        route: route === UNMATCHED_ROUTE ? undefined : route,
        statusCode: response.statusCode,
        durationNs: Number(process.hrtime.bigint() - started),
        clientAddress: request.ip ?? request.socket?.remoteAddress,
        userAgent: request.headers['user-agent'],
      });
    });
    context.with(contextWithRequestScope(active, scope), next);
  }

  private write(level: Level, scope: RequestScope, served: Served, message = 'request completed'): void {
    // Undefined fields are left out of the line by pino.
    const line: Record<string, unknown> = {
      'http.request.method': served.method,
      'url.path': served.path,
      'http.route': served.route,
      'http.response.status_code': served.statusCode,
      'http.request.id': scope.id,
      'event.duration': served.durationNs,
      'client.address': served.clientAddress,
      'user_agent.original': served.userAgent,
      // The server span's: the response may finish outside the request's context.
      'trace.id': scope.traceId,
      'span.id': scope.spanId,
    };
    // The domain ids, each once: a field of the line itself is never repeated.
    for (const key in scope.fields) if (!(key in line)) line[key] = scope.fields[key];
    this.logger[level](line, message);
  }
}
