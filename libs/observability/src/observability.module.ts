import {
  Global,
  Module,
  RequestMethod,
  type DynamicModule,
  type MiddlewareConsumer,
  type NestModule,
  type Provider,
} from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { LoggerModule } from 'nestjs-pino';
import type { Logger as PinoLogger } from 'pino';
import { makeCounterProvider } from '@willsoto/nestjs-prometheus';
import { AccessLog } from './logging/access-log';
import { APP_LOGGER, appLoggerProvider } from './logging/app-logger';
import { AuditLog } from './logging/audit-log';
import { LogContextInterceptor } from './logging/log-context.interceptor';
import { logSamplingMetricProvider } from './logging/log-sampling';
import { LogShipping } from './logging/log-shipping';
import { LOG_SHIPPING_FAILURES_METRIC } from './metrics/metric-names';
import { DebugVars } from './debug/debug-vars';
import { EventLoopHealthIndicator } from './health/event-loop.health';
import { HealthController } from './health/health.controller';
import { LivenessRoute } from './health/liveness.route';
import { ReadinessChecks } from './health/readiness-checks';
import { ShutdownState } from './health/shutdown-state';
import { PrometheusModule, getToken } from '@willsoto/nestjs-prometheus';
import { APP_INFO_METRIC } from './metrics/metric-names';
import { appInfoProvider } from './metrics/app-info.provider';
import { httpMetricProviders } from './metrics/http-metrics.providers';
import { spanExportMetricProviders } from './metrics/span-export-metrics.providers';
import { HttpMetricsRecorder } from './metrics/http-metrics.recorder';
import { HandlerOutcomeInterceptor } from './metrics/handler-outcome.interceptor';
import { HandlerSpanInterceptor } from './tracing/handler-span.interceptor';
import { HttpServerSpans } from './tracing/http-server-spans';
import { CATCH_ALL_ROUTE } from './metrics/http-route';
import { DefaultMetrics } from './metrics/default-metrics';
import { useOpenMetricsRegistry } from './metrics/metrics-exposition';
import { MetricsController } from './metrics/metrics.controller';
import { MetricsServer } from './metrics/metrics.server';
import {
  ASYNC_OPTIONS_TYPE,
  ConfigurableModuleClass,
  MODULE_OPTIONS_TOKEN,
  OPTIONS_TYPE,
} from './observability.module-definition';
import { METRICS_ENABLED, RESOLVED_OPTIONS } from './observability.constants';
import {
  resolveObservabilityOptions,
  type ObservabilityModuleOptions,
  type ResolvedObservabilityOptions,
} from './observability.options';

/** Placeholder controller handed to PrometheusModule so it does not mount `/metrics` on the public port. */
class NoMetricsRoute {}

/**
 * Metrics, traces, logs and health for any Nest application, configured in one place:
 * `ObservabilityModule.forRoot({ serviceName: 'orders-api', metrics: { port: 9464 } })`.
 * Global: domain modules inject its metrics without importing it.
 */
@Global()
@Module({})
export class ObservabilityModule extends ConfigurableModuleClass implements NestModule {
  constructor(
    private readonly httpMetrics: HttpMetricsRecorder,
    private readonly accessLog: AccessLog,
    private readonly serverSpans: HttpServerSpans,
  ) {
    super();
  }

  /** Express runs middleware in mounting order: the access log and metrics middleware go in before any route. */
  configure(consumer: MiddlewareConsumer): void {
    if (this.accessLog.needsExpressMiddleware())
      consumer
        .apply((request: never, response: never, next: () => void) =>
          this.accessLog.expressMiddleware(request, response, next),
        )
        .forRoutes({ path: CATCH_ALL_ROUTE, method: RequestMethod.ALL });
    // After any middleware that gives the request its id: the request scope keeps the id it finds.
    if (this.serverSpans.needsExpressMiddleware())
      consumer
        .apply((request: never, response: never, next: () => void) =>
          this.serverSpans.expressMiddleware(request, response, next),
        )
        .forRoutes({ path: CATCH_ALL_ROUTE, method: RequestMethod.ALL });
    if (!this.httpMetrics.needsExpressMiddleware()) return;
    consumer
      .apply((request: never, response: never, next: () => void) =>
        this.httpMetrics.expressMiddleware(request, response, next),
      )
      .forRoutes({ path: CATCH_ALL_ROUTE, method: RequestMethod.ALL });
  }

  static forRoot(options: typeof OPTIONS_TYPE): DynamicModule {
    return ObservabilityModule.extend(super.forRoot(options), options.metricsRoute ?? false);
  }

  static forRootAsync(options: typeof ASYNC_OPTIONS_TYPE): DynamicModule {
    return ObservabilityModule.extend(super.forRootAsync(options), options.metricsRoute ?? false);
  }

  private static extend(base: DynamicModule, metricsRoute: boolean): DynamicModule {
    useOpenMetricsRegistry(); // before any histogram with exemplars is created
    const providers: Provider[] = [
      {
        provide: RESOLVED_OPTIONS,
        useFactory: (options: ObservabilityModuleOptions) => resolveObservabilityOptions(options),
        inject: [MODULE_OPTIONS_TOKEN],
      },
      {
        provide: METRICS_ENABLED,
        useFactory: (options: ResolvedObservabilityOptions) => options.metrics.enabled,
        inject: [RESOLVED_OPTIONS],
      },
      ...httpMetricProviders(),
      ...spanExportMetricProviders(),
      DefaultMetrics,
      appInfoProvider,
      HttpMetricsRecorder,
      HttpServerSpans,
      { provide: APP_INTERCEPTOR, useClass: HandlerSpanInterceptor },
      { provide: APP_INTERCEPTOR, useClass: LogContextInterceptor },
      { provide: APP_INTERCEPTOR, useClass: HandlerOutcomeInterceptor },
      MetricsServer,
      DebugVars,
      ReadinessChecks,
      ShutdownState,
      EventLoopHealthIndicator,
      LivenessRoute,
      makeCounterProvider({
        name: LOG_SHIPPING_FAILURES_METRIC,
        help: 'Log lines that did not reach Elasticsearch, by kind (rejected, lost, dropped, transport_error) and stream',
        labelNames: ['kind', 'stream'],
      }),
      logSamplingMetricProvider(),
      LogShipping,
      AuditLog,
      appLoggerProvider,
      AccessLog,
    ];
    const logger = LoggerModule.forRootAsync({
      inject: [APP_LOGGER],
      useFactory: (appLogger: PinoLogger) => ({
        // nestjs-pino's Logger and PinoLogger write through the application logger (its root is a child of
        // it with no bindings, pino-http's automatic logging off).
        pinoHttp: { logger: appLogger, autoLogging: false, wrapSerializers: false },
        // No request middleware, hence no child logger per request: a line's request and trace fields come
        // from the context (the logger's mixin), and the access line is AccessLog's, written once.
        forRoutes: [],
      }),
    });
    const prometheus = PrometheusModule.register({
      global: true,
      // Process metrics follow `metrics.defaultMetrics`, which may only be known asynchronously: DefaultMetrics.
      defaultMetrics: { enabled: false },
      path: '/metrics',
      controller: metricsRoute ? MetricsController : NoMetricsRoute,
    });
    return {
      ...base,
      global: true,
      // No nestjs-otel module: its OpenTelemetryModule mounts a wide-event middleware on every route
      // (through @fastify/middie on Fastify), a third of a liveness probe's CPU. Its `@Span` decorator is
      // exported for methods off the hot path whose span is the method itself (a batch job's run); the
      // request and saga paths use OperationTelemetry, whose spans carry the caller's scope, kind and start
      // attributes, and may continue a stored trace.
      imports: [...(base.imports ?? []), prometheus, logger, TerminusModule.forRoot({ logger: false })],
      controllers: [HealthController],
      providers: [...(base.providers ?? []), ...providers],
      exports: [
        RESOLVED_OPTIONS,
        METRICS_ENABLED,
        MetricsServer,
        DebugVars,
        ReadinessChecks,
        ShutdownState,
        LogShipping,
        AuditLog,
        APP_LOGGER,
        prometheus,
        logger,
        getToken(APP_INFO_METRIC),
      ],
    };
  }
}
