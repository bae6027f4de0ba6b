import {
  context,
  propagation,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Tracer,
} from '@opentelemetry/api';
import type { Counter, Histogram, LabelValues } from 'prom-client';
import { spanExemplar } from '../metrics/trace-exemplar';

/** The label every operation metric gets from its result: `completed`, or what the failure was. */
export const OPERATION_OUTCOME_LABEL = 'outcome';
export const OPERATION_COMPLETED = 'completed';

/** What an operation's telemetry records into; the metric names and labels belong to the caller. */
export interface OperationInstruments {
  /** Tracer (instrumentation scope) name of the spans. */
  tracerName: string;
  /**
   * Duration of each run, in seconds, labelled with `durationLabels` and `outcome`; a sampled run's trace is
   * the sample's exemplar (with a histogram of `makeHistogramProvider`).
   */
  durations?: Histogram<string>;
  /** One count per run, labelled with `countLabels` and `outcome`. */
  outcomes?: Counter<string>;
  /** The `outcome` label of a failure (a bounded set of names); `error` when it returns undefined. */
  outcomeOf?: (error: unknown) => string | undefined;
  /**
   * Whether a failure is the operation's fault (span status ERROR). Expected business outcomes, such as a
   * declined payment, are recorded on the span as exceptions but leave its status unset. Default: all.
   */
  isError?: (error: unknown) => boolean;
}

/** W3C trace context headers (`traceparent`, `tracestate`): how a trace is carried across a queue or a table. */
export type TraceCarrier = Record<string, string>;

const KINDS = {
  internal: SpanKind.INTERNAL,
  client: SpanKind.CLIENT,
  producer: SpanKind.PRODUCER,
  consumer: SpanKind.CONSUMER,
} as const;

/** One run of an operation: its span and the labels of its metrics. */
export interface Operation {
  span: string;
  /** @default 'internal' */
  kind?: keyof typeof KINDS;
  /**
   * The trace to continue when the work was caused elsewhere (a stored `currentTraceCarrier()`); by
   * default the span is a child of the active one.
   */
  parent?: TraceCarrier | null;
  attributes?: Attributes;
  durationLabels?: LabelValues<string>;
  countLabels?: LabelValues<string>;
}

/**
 * Runs an operation inside its own span and records its duration and outcome: the one way an application
 * measures a unit of work (a saga step, a job, an outbound call), whoever calls it. The span is active
 * while the work runs (its children and logs join it), gets the exception and status ERROR when the work
 * fails, and ends in `finally`, as the OpenTelemetry instrumentations do.
 */
export class OperationTelemetry {
  private readonly tracer: Tracer;

  constructor(private readonly instruments: OperationInstruments) {
    this.tracer = trace.getTracer(instruments.tracerName);
  }

  async run<T>(operation: Operation, work: () => Promise<T>): Promise<T> {
    const parent: Context = operation.parent
      ? propagation.extract(context.active(), operation.parent)
      : context.active();
    const span = this.tracer.startSpan(
      operation.span,
      { attributes: operation.attributes, kind: KINDS[operation.kind ?? 'internal'] },
      parent,
    );
    // Its trace is the duration's exemplar (when sampled): the timer stops after the span's context is left.
    const stopTimer = this.instruments.durations?.startTimer(
      operation.durationLabels,
      spanExemplar(span.spanContext()),
    );
    let outcome = OPERATION_COMPLETED;
    try {
      return await context.with(trace.setSpan(parent, span), work);
    } catch (error) {
      outcome = this.instruments.outcomeOf?.(error) ?? 'error';
      span.recordException(error instanceof Error ? error : String(error));
      span.setAttribute('operation.outcome', outcome);
      if (this.instruments.isError?.(error) ?? true) {
        span.setStatus({
          code: SpanStatusCode.ERROR,
          message: error instanceof Error ? error.message : undefined,
        });
      }
      throw error;
    } finally {
      stopTimer?.({ [OPERATION_OUTCOME_LABEL]: outcome });
      this.instruments.outcomes?.inc({ ...operation.countLabels, [OPERATION_OUTCOME_LABEL]: outcome });
      span.end();
    }
  }
}

/**
 * The active trace as W3C headers, to store with work that another process or a later moment carries
 * out (an outbox row, a message); empty when there is no sampled trace to continue.
 */
export function currentTraceCarrier(): TraceCarrier {
  const carrier: TraceCarrier = {};
  propagation.inject(context.active(), carrier);
  return carrier;
}
