import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter, Gauge, Histogram } from 'prom-client';
import { RESOLVED_OPTIONS } from '../observability.constants';
import type { ResolvedObservabilityOptions } from '../observability.options';
import { bindCounter, bindGauge, type BoundCounter, type BoundGauge } from './bound-children';
import { expressRoute, fastifyRoute } from './http-route';
import { HTTP_METRICS } from './metric-names';

type Labels = { method: string; route: string; status_code: string };

/** The series of one (method, route, status code): its count and its durations. */
interface RequestSeries {
  readonly requests: BoundCounter;
  readonly duration: Histogram.Internal<keyof Labels>;
}

/**
 * Label sets bound to their series at most (routes × methods × status codes stay well below it); past it,
 * a new label set is recorded without a bound child, as prom-client records any sample.
 */
export const MAX_BOUND_REQUEST_SERIES = 2_000;

/** Methods whose in-flight gauge is bound (Node's HTTP parser knows about 35); others are recorded unbound. */
const MAX_BOUND_METHODS = 64;

/** The status code label of the codes HTTP defines, allocated once. */
const STATUS_LABELS: readonly string[] = Array.from({ length: 600 }, (_, code) => String(code));

function statusLabel(code: number): string {
  return STATUS_LABELS[code] ?? String(code);
}

/**
 * On a Fastify request between its `onRequest` and `onResponse` hooks: the in-flight gauge of its method,
 * which `onResponse` decrements. A request that a hook answered before this one's `onRequest` ran (which
 * Fastify still passes to `onResponse`) has none, and is not measured.
 */
const IN_FLIGHT = Symbol('http-metrics.in-flight');
/** The status a request is counted with when its client closed the connection before the answer (nginx's). */
export const CLIENT_CLOSED_REQUEST = '499';

type MeasuredRequest = { method: string; [IN_FLIGHT]?: BoundGauge | undefined };

/**
 * Records the golden signals for every request the HTTP server answers, including those that never
 * reach a handler (unknown routes, malformed or oversized bodies), which is why it hooks the HTTP
 * adapter rather than wrapping handlers. Works on Fastify and on Express.
 *
 * Each (method, route, status code) is bound to its series once (`requests`, `duration`), and each method
 * to its in-flight gauge, so that a request costs a few map look-ups and additions rather than hashing
 * its labels for every metric; the duration keeps the request's sampled trace as its exemplar.
 */
@Injectable()
export class HttpMetricsRecorder implements OnModuleInit {
  private readonly enabled: boolean;

  /** Route → method → status code → series. */
  private readonly series = new Map<string, Map<string, Map<number, RequestSeries>>>();
  private boundSeries = 0;
  private readonly inFlightByMethod = new Map<string, BoundGauge>();

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Inject(RESOLVED_OPTIONS) options: ResolvedObservabilityOptions,
    @InjectMetric(HTTP_METRICS.requests) private readonly requests: Counter<keyof Labels>,
    @InjectMetric(HTTP_METRICS.duration) private readonly duration: Histogram<keyof Labels>,
    @InjectMetric(HTTP_METRICS.inFlight) private readonly inFlight: Gauge<'method'>,
  ) {
    this.enabled = options.metrics.enabled;
  }

  /**
   * Fastify: hooks see every request, including parse errors and unknown routes, whenever they are added.
   * The duration is Fastify's own (`reply.elapsedTime`, from the request's arrival to the end of its
   * response, as its request log reports it), so nothing is timed or stored per request but the gauge.
   */
  onModuleInit(): void {
    const adapter = this.adapterHost.httpAdapter;
    if (!this.enabled || adapter?.getType() !== 'fastify') return;
    const instance = adapter.getInstance();
    // Callback-style hooks: no promise per hook and request.
    instance.addHook('onRequest', (request: MeasuredRequest, _reply: unknown, done: () => void) => {
      const inFlight = this.inFlightOf(request.method);
      inFlight.inc();
      request[IN_FLIGHT] = inFlight;
      done();
    });
    instance.addHook(
      'onResponse',
      (
        request: Parameters<typeof fastifyRoute>[0] & MeasuredRequest,
        reply: { statusCode: number; elapsedTime: number },
        done: () => void,
      ) => {
        const inFlight = request[IN_FLIGHT];
        if (inFlight !== undefined) {
          request[IN_FLIGHT] = undefined;
          inFlight.dec();
          this.record(request.method, fastifyRoute(request), reply.statusCode, reply.elapsedTime / 1e3);
        }
        done();
      },
    );
    // A client that closed the connection before the answer: Fastify runs no `onResponse` for it, so it
    // leaves the in-flight gauge here, counted with the status nginx gives it (499), without a duration.
    instance.addHook(
      'onRequestAbort',
      (request: Parameters<typeof fastifyRoute>[0] & MeasuredRequest, done: () => void) => {
        const inFlight = request[IN_FLIGHT];
        if (inFlight !== undefined) {
          request[IN_FLIGHT] = undefined;
          inFlight.dec();
          this.requests.inc({
            method: request.method,
            route: fastifyRoute(request),
            status_code: CLIENT_CLOSED_REQUEST,
          });
        }
        done();
      },
    );
  }

  /** Express needs the metrics middleware; Fastify is measured by its hooks, and no middleware costs nothing. */
  needsExpressMiddleware(): boolean {
    return this.enabled && this.adapterHost.httpAdapter?.getType() === 'express';
  }

  /**
   * Express: runs as module middleware, which Nest mounts before the routes (Express runs handlers in
   * mounting order), on the catch-all path `CATCH_ALL_ROUTE`, so it sees every request.
   */
  expressMiddleware(
    request: Parameters<typeof expressRoute>[0] & { method: string },
    response: NodeJS.EventEmitter & { statusCode: number; writableFinished: boolean },
    next: () => void,
  ): void {
    if (!this.enabled || this.adapterHost.httpAdapter?.getType() !== 'express') return next();
    const start = performance.now();
    const inFlight = this.inFlightOf(request.method);
    inFlight.inc();
    // `close` comes after `finish`, and alone when the client went away before the answer.
    response.once('close', () => {
      inFlight.dec();
      if (!response.writableFinished) {
        this.requests.inc({
          method: request.method,
          route: expressRoute(request),
          status_code: CLIENT_CLOSED_REQUEST,
        });
        return;
      }
      const seconds = (performance.now() - start) / 1e3;
      this.record(request.method, expressRoute(request), response.statusCode, seconds);
    });
    next();
  }

  private inFlightOf(method: string): BoundGauge {
    let inFlight = this.inFlightByMethod.get(method);
    if (inFlight === undefined) {
      inFlight = bindGauge(this.inFlight, { method });
      if (this.inFlightByMethod.size < MAX_BOUND_METHODS) this.inFlightByMethod.set(method, inFlight);
    }
    return inFlight;
  }

  private record(method: string, route: string, statusCode: number, seconds: number): void {
    const series = this.seriesOf(method, route, statusCode);
    if (series !== undefined) {
      series.requests.inc();
      series.duration.observe(seconds); // a TracedHistogram's child: the request's trace is its exemplar
      return;
    }
    const labels: Labels = { method, route, status_code: statusLabel(statusCode) };
    this.requests.inc(labels);
    this.duration.observe(labels, seconds);
  }

  /** The bound series of a label set, bound on its first request; none past `MAX_BOUND_REQUEST_SERIES`. */
  private seriesOf(method: string, route: string, statusCode: number): RequestSeries | undefined {
    let byMethod = this.series.get(route);
    let byStatus = byMethod?.get(method);
    const found = byStatus?.get(statusCode);
    if (found !== undefined || this.boundSeries >= MAX_BOUND_REQUEST_SERIES) return found;
    const labels: Labels = { method, route, status_code: statusLabel(statusCode) };
    const series: RequestSeries = {
      requests: bindCounter(this.requests, labels),
      duration: this.duration.labels(labels),
    };
    if (byMethod === undefined) this.series.set(route, (byMethod = new Map()));
    if (byStatus === undefined) byMethod.set(method, (byStatus = new Map()));
    byStatus.set(statusCode, series);
    this.boundSeries += 1;
    return series;
  }
}
