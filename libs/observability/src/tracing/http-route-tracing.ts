import { Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { context } from '@opentelemetry/api';
import { getRPCMetadata, RPCType } from '@opentelemetry/core';

/**
 * Gives the HTTP server span its route template: the HTTP instrumentation then sets `http.route` and
 * names the span `GET /orders/:id`. One synchronous Fastify hook does what a framework instrumentation
 * would, without its span per request, per handler and per hook, which cost a large share of a traced
 * request's CPU. Handler spans come from `HandlerSpanInterceptor`.
 */
@Injectable()
export class HttpRouteTracing implements OnModuleInit {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit(): void {
    const adapter = this.adapterHost.httpAdapter;
    if (adapter?.getType() !== 'fastify') return;
    adapter
      .getInstance()
      .addHook(
        'onRequest',
        (request: { routeOptions?: { url?: string } }, _reply: unknown, done: () => void) => {
          const route = request.routeOptions?.url;
          const rpc = route ? getRPCMetadata(context.active()) : undefined;
          if (rpc?.type === RPCType.HTTP) rpc.route = route;
          done();
        },
      );
  }
}
