import {
  HttpException,
  Injectable,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { context, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import { Observable } from 'rxjs';
import { HANDLER_SPAN_ATTRIBUTES, TRACER_NAME } from './tracing.constants';

/**
 * A span per controller handler, `<Controller>.<handler>`, child of the HTTP server span: what the
 * handler itself cost, apart from routing, parsing and serialization. (The OpenTelemetry Nest
 * instrumentation patches CommonJS files that Nest 12, published as ES modules, no longer loads.)
 * Errors that are the server's fault (5xx, or anything not an `HttpException`) are recorded and mark the
 * span ERROR; a 4xx is the client's and leaves it unset, as the HTTP semantic conventions say. Only a
 * request whose server span records gets one: an unsampled request does no span work here.
 */
@Injectable()
export class HandlerSpanInterceptor implements NestInterceptor {
  private readonly tracer = trace.getTracer(TRACER_NAME);

  intercept(execution: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (execution.getType() !== 'http') return next.handle();
    // A server span that is not sampled would have an unsampled child (its parent decides), and without a
    // server span (tracing off) there is no trace for it to join: the handler runs as it is, without a
    // span, an Observable around it or a context switch.
    if (!trace.getActiveSpan()?.isRecording()) return next.handle();
    const controller = execution.getClass().name;
    const callback = execution.getHandler().name;
    return new Observable((subscriber) => {
      const span = this.tracer.startSpan(`${controller}.${callback}`, {
        attributes: {
          [HANDLER_SPAN_ATTRIBUTES.type]: 'handler',
          [HANDLER_SPAN_ATTRIBUTES.controller]: controller,
          [HANDLER_SPAN_ATTRIBUTES.callback]: callback,
        },
      });
      // Subscribing inside the span's context runs the handler in it, and everything it awaits.
      const subscription = context.with(trace.setSpan(context.active(), span), () =>
        next.handle().subscribe({
          next: (value) => subscriber.next(value),
          error: (error: unknown) => {
            recordServerError(span, error);
            span.end();
            subscriber.error(error);
          },
          complete: () => {
            span.end();
            subscriber.complete();
          },
        }),
      );
      return () => {
        if (span.isRecording()) span.end(); // unsubscribed early (client gone)
        subscription.unsubscribe();
      };
    });
  }
}

function recordServerError(span: Span, error: unknown): void {
  if (error instanceof HttpException && error.getStatus() < 500) return;
  span.recordException(error instanceof Error ? error : String(error));
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : undefined });
}
