import { Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';

/** Terminus's body for a probe with no checks: what `GET /health/live` has always answered. */
const ALIVE = JSON.stringify({ status: 'ok', info: {}, error: {}, details: {} });

export const LIVENESS_PATH = '/health/live';

/**
 * `GET /health/live` as a plain route on the HTTP adapter (Fastify or Express), outside Nest's router,
 * guards, interceptors and Terminus: liveness only says that the event loop turns, so it must cost
 * next to nothing when every kubelet asks every few seconds. It answers during shutdown too: a draining
 * process is alive. The adapter hooks (HTTP metrics) still see it.
 */
@Injectable()
export class LivenessRoute implements OnModuleInit {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit(): void {
    const adapter = this.adapterHost.httpAdapter;
    if (!adapter) return; // not an HTTP application (a standalone context)
    // Serialized once: the same bytes on every call.
    adapter.get(LIVENESS_PATH, (_request: unknown, response: unknown) => {
      adapter.setHeader(response, 'content-type', 'application/json; charset=utf-8');
      adapter.reply(response, ALIVE, 200);
    });
  }
}
