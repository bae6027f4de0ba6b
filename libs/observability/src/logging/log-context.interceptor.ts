import {
  Inject,
  Injectable,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { PinoLogger } from 'nestjs-pino';
import { RESOLVED_OPTIONS } from '../observability.constants';
import type { ResolvedObservabilityOptions } from '../observability.options';
import { annotateActiveSpan } from '../tracing/active-span';
import { tap, type Observable } from 'rxjs';
import { LOG_CONTEXT, type LogContextFields, type LogContextRequest } from './log-context.decorator';

/**
 * The fields worth adding: ids are strings or numbers, never objects from a body, and a key already
 * `assigned` is skipped (pino appends bindings: a key assigned twice would appear twice in a line, which
 * Elasticsearch refuses). Records the keys it keeps in `assigned`; null when nothing is left.
 */
function newFields(
  fields: Record<string, unknown> | undefined,
  assigned: Set<string>,
): Record<string, string | number> | null {
  if (!fields) return null;
  let kept: Record<string, string | number> | null = null;
  for (const [key, value] of Object.entries(fields)) {
    if ((typeof value !== 'string' && typeof value !== 'number') || assigned.has(key)) continue;
    assigned.add(key);
    (kept ??= {})[key] = value;
  }
  return kept;
}

/**
 * Adds the domain ids a handler declares with `@LogContext` to the request's log context (nestjs-pino's
 * `assign`), so every later line of the request, its `request completed` line included, carries them,
 * and to the handler's span as attributes.
 */
@Injectable()
export class LogContextInterceptor implements NestInterceptor {
  /**
   * Whether requests have a log scope to enrich: with logs off (`silent`) no request-log middleware is
   * mounted, and `assign` outside a scope throws, which would cost an Error and its stack per request.
   */
  private readonly requestLogs: boolean;

  constructor(
    private readonly reflector: Reflector,
    private readonly logger: PinoLogger,
    @Inject(RESOLVED_OPTIONS) options: ResolvedObservabilityOptions,
  ) {
    this.requestLogs = options.logging.level !== 'silent';
  }

  intercept(execution: ExecutionContext, next: CallHandler): Observable<unknown> {
    const declared = this.reflector.get<LogContextFields | undefined>(LOG_CONTEXT, execution.getHandler());
    if (!declared || execution.getType() !== 'http') return next.handle();
    const request = execution.switchToHttp().getRequest<LogContextRequest>();
    const assigned = new Set<string>();
    const assign = (fields: Record<string, unknown> | undefined) => {
      const values = newFields(fields, assigned);
      if (!values) return;
      // The handler's span (HandlerSpanInterceptor, active here) carries the same domain ids.
      annotateActiveSpan(values);
      if (!this.requestLogs) return;
      try {
        this.logger.assign(values);
      } catch {
        // No request log scope (a route the request-log middleware does not cover): nothing to enrich.
      }
    };
    assign(declared.fromRequest?.(request));
    const { fromResult } = declared;
    return fromResult ? next.handle().pipe(tap((result) => assign(fromResult(result)))) : next.handle();
  }
}
