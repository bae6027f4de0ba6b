import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { tap, type Observable } from 'rxjs';
import { requestScopeOf } from '../http/request-scope';
import { annotateActiveSpan } from '../tracing/active-span';
import { LOG_CONTEXT, type LogContextFields, type LogContextRequest } from './log-context.decorator';

/**
 * The fields worth adding, added to `scoped`: ids are strings or numbers, never objects from a body, and a
 * key already there is skipped (a line carries each key once: Elasticsearch refuses a key twice). Returns
 * the fields it added; null when there are none.
 */
function addNewFields(
  fields: Record<string, unknown> | undefined,
  scoped: Record<string, string | number>,
): Record<string, string | number> | null {
  if (!fields) return null;
  let added: Record<string, string | number> | null = null;
  for (const key of Object.keys(fields)) {
    const value = fields[key];
    if ((typeof value !== 'string' && typeof value !== 'number') || Object.hasOwn(scoped, key)) continue;
    scoped[key] = value;
    (added ??= {})[key] = value;
  }
  return added;
}

/**
 * Adds the domain ids a handler declares with `@LogContext` to its request's scope (`requestScopeOf`), so
 * every later line of the request (the logger's mixin) and its `request completed` line (`AccessLog`)
 * carry them, and to the handler's span as attributes.
 */
@Injectable()
export class LogContextInterceptor implements NestInterceptor {
  constructor(private readonly reflector: Reflector) {}

  intercept(execution: ExecutionContext, next: CallHandler): Observable<unknown> {
    const declared = this.reflector.get<LogContextFields | undefined>(LOG_CONTEXT, execution.getHandler());
    if (!declared || execution.getType() !== 'http') return next.handle();
    const request = execution.switchToHttp().getRequest<LogContextRequest>();
    const scoped = requestScopeOf(request).fields;
    const add = (fields: Record<string, unknown> | undefined) => {
      const added = addNewFields(fields, scoped);
      // The handler's span (HandlerSpanInterceptor, active here) carries the same domain ids.
      if (added) annotateActiveSpan(added);
    };
    add(declared.fromRequest?.(request));
    const { fromResult } = declared;
    return fromResult ? next.handle().pipe(tap((result) => add(fromResult(result)))) : next.handle();
  }
}
