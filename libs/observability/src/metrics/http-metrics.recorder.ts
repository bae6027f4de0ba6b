import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter, Gauge, Histogram } from 'prom-client';
import { RESOLVED_OPTIONS } from '../observability.constants';
import type { ResolvedObservabilityOptions } from '../observability.options';
import { expressRoute, fastifyRoute } from './http-route';
import { HTTP_METRICS } from './metric-names';

type Labels = { method: string; route: string; status_code: string };

/**
 * Records the golden signals for every request the HTTP server answers, including those that never
 * reach a handler (unknown routes, malformed or oversized bodies), which is why it hooks the HTTP
 * adapter rather than wrapping handlers. Works on Fastify and on Express.
 */
@Injectable()
export class HttpMetricsRecorder implements OnModuleInit {
  private readonly started = new WeakMap<object, bigint>();

  private readonly enabled: boolean;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Inject(RESOLVED_OPTIONS) options: ResolvedObservabilityOptions,
    @InjectMetric(HTTP_METRICS.requests) private readonly requests: Counter<keyof Labels>,
    @InjectMetric(HTTP_METRICS.duration) private readonly duration: Histogram<keyof Labels>,
    @InjectMetric(HTTP_METRICS.inFlight) private readonly inFlight: Gauge<'method'>,
  ) {
    this.enabled = options.metrics.enabled;
  }

  /** Fastify: hooks see every request, including parse errors and unknown routes, whenever they are added. */
  onModuleInit(): void {
    const adapter = this.adapterHost.httpAdapter;
    if (!this.enabled || adapter?.getType() !== 'fastify') return;
    const instance = adapter.getInstance();
    // Callback-style hooks: no promise per hook and request.
    instance.addHook(
      'onRequest',
      (request: object & { method: string }, _reply: unknown, done: () => void) => {
        this.begin(request, request.method);
        done();
      },
    );
    instance.addHook(
      'onResponse',
      (
        request: Parameters<typeof fastifyRoute>[0] & { method: string },
        reply: { statusCode: number },
        done: () => void,
      ) => {
        this.end(request, {
          method: request.method,
          route: fastifyRoute(request),
          status_code: String(reply.statusCode),
        });
        done();
      },
    );
  }

  /**
   * Express: runs as module middleware, which Nest mounts before the routes (Express runs handlers in
   * mounting order), on the catch-all path `CATCH_ALL_ROUTE`, so it sees every request.
   */
  /** Express needs the metrics middleware; Fastify is measured by its hooks, and no middleware costs nothing. */
  needsExpressMiddleware(): boolean {
    return this.enabled && this.adapterHost.httpAdapter?.getType() === 'express';
  }

  expressMiddleware(
    request: Parameters<typeof expressRoute>[0] & { method: string },
    response: NodeJS.EventEmitter & { statusCode: number },
    next: () => void,
  ): void {
    if (!this.enabled || this.adapterHost.httpAdapter?.getType() !== 'express') return next();
    this.begin(request, request.method);
    response.once('finish', () =>
      this.end(request, {
        method: request.method,
        route: expressRoute(request),
        status_code: String(response.statusCode),
      }),
    );
    next();
  }

  private begin(request: object, method: string): void {
    this.started.set(request, process.hrtime.bigint());
    this.inFlight.inc({ method });
  }

  private end(request: object, labels: Labels): void {
    const start = this.started.get(request);
    if (start === undefined) return;
    this.started.delete(request);
    this.inFlight.dec({ method: labels.method });
    this.requests.inc(labels);
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    this.duration.observe(labels, seconds); // a TracedHistogram: the request's trace is its exemplar
  }
}
