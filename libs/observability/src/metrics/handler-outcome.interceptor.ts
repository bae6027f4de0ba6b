import {
  Inject,
  Injectable,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter } from 'prom-client';
import { tap, type Observable } from 'rxjs';
import { RESOLVED_OPTIONS } from '../observability.constants';
import type { ResolvedObservabilityOptions } from '../observability.options';
import { bindCounter, type BoundCounter } from './bound-children';
import { namedOutcomeOf } from './handler-outcome';
import { HTTP_METRICS } from './metric-names';

/**
 * (handler, outcome) label sets bound to their series at most (handlers × domain outcomes stay well below
 * it); past it, a new one is counted without a bound child.
 */
export const MAX_BOUND_OUTCOME_SERIES = 2_000;

/** One handler's label and the series of its outcomes, bound on first use. */
interface HandlerSeries {
  readonly handler: string;
  readonly outcomes: Map<string, BoundCounter>;
}

/**
 * Counts each handler run by its domain outcome, `http_handler_outcomes_total{handler,outcome}`: what the
 * status code alone does not say (a 422 is `OUT_OF_STOCK` or `IDEMPOTENCY_KEY_REUSED`, a 200 a first
 * answer or a replay). Failures are named by `metrics.failureOutcomeOf`, successes by `setHandlerOutcome`
 * (default `OK`). Requests that never reach a handler (404, 413, parse errors) are in `http_requests_total`.
 */
@Injectable()
export class HandlerOutcomeInterceptor implements NestInterceptor {
  /** Controller class → handler method → its series (a method inherited by two controllers is two handlers). */
  private readonly handlers = new Map<object, Map<object, HandlerSeries>>();
  private boundSeries = 0;

  constructor(
    @Inject(RESOLVED_OPTIONS) private readonly options: ResolvedObservabilityOptions,
    @InjectMetric(HTTP_METRICS.handlerOutcomes) private readonly outcomes: Counter<'handler' | 'outcome'>,
  ) {}

  intercept(execution: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (!this.options.metrics.enabled || execution.getType() !== 'http') return next.handle();
    const series = this.handlerOf(execution.getClass(), execution.getHandler());
    const request = execution.switchToHttp().getRequest<object>();
    return next.handle().pipe(
      tap({
        complete: () => this.count(series, namedOutcomeOf(request)),
        error: (error: unknown) => this.count(series, this.options.metrics.failureOutcomeOf(error)),
      }),
    );
  }

  private handlerOf(controller: { readonly name: string }, method: { readonly name: string }): HandlerSeries {
    let methods = this.handlers.get(controller);
    if (methods === undefined) this.handlers.set(controller, (methods = new Map()));
    let series = methods.get(method);
    if (series === undefined) {
      series = { handler: `${controller.name}.${method.name}`, outcomes: new Map() };
      methods.set(method, series);
    }
    return series;
  }

  private count(series: HandlerSeries, outcome: string): void {
    let bound = series.outcomes.get(outcome);
    if (bound === undefined) {
      const labels = { handler: series.handler, outcome };
      if (this.boundSeries >= MAX_BOUND_OUTCOME_SERIES) return this.outcomes.inc(labels);
      bound = bindCounter(this.outcomes, labels);
      series.outcomes.set(outcome, bound);
      this.boundSeries += 1;
    }
    bound.inc();
  }
}
