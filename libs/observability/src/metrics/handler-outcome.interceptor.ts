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
import { namedOutcomeOf } from './handler-outcome';
import { HTTP_METRICS } from './metric-names';

/**
 * Counts each handler run by its domain outcome, `http_handler_outcomes_total{handler,outcome}`: what the
 * status code alone does not say (a 422 is `OUT_OF_STOCK` or `IDEMPOTENCY_KEY_REUSED`, a 200 a first
 * answer or a replay). Failures are named by `metrics.failureOutcomeOf`, successes by `setHandlerOutcome`
 * (default `OK`). Requests that never reach a handler (404, 413, parse errors) are in `http_requests_total`.
 */
@Injectable()
export class HandlerOutcomeInterceptor implements NestInterceptor {
  constructor(
    @Inject(RESOLVED_OPTIONS) private readonly options: ResolvedObservabilityOptions,
    @InjectMetric(HTTP_METRICS.handlerOutcomes) private readonly outcomes: Counter<'handler' | 'outcome'>,
  ) {}

  intercept(execution: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (!this.options.metrics.enabled || execution.getType() !== 'http') return next.handle();
    const handler = `${execution.getClass().name}.${execution.getHandler().name}`;
    const request = execution.switchToHttp().getRequest<object>();
    return next.handle().pipe(
      tap({
        complete: () => this.outcomes.inc({ handler, outcome: namedOutcomeOf(request) }),
        error: (error: unknown) =>
          this.outcomes.inc({ handler, outcome: this.options.metrics.failureOutcomeOf(error) }),
      }),
    );
  }
}
