import {
  context,
  isSpanContextValid,
  propagation,
  SpanKind,
  SpanStatusCode,
  trace,
  TraceFlags,
  type Context,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import type { Counter, Histogram, LabelValues } from 'prom-client';
import { NO_EXEMPLAR, spanExemplar } from '../metrics/trace-exemplar';
import type { LazySpanAttributes } from '../tracing/active-span';
import { activeTracing, type TraceSampling } from '../tracing/start-tracing';

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
  /**
   * The span's attributes, or the function building them: called only when the span records (a function
   * costs nothing when the run is not sampled; an object is built by the caller anyway). Set once the span
   * has started, a function's attributes are not seen by the sampler (the parent-based and ratio samplers
   * read none).
   */
  attributes?: LazySpanAttributes;
  durationLabels?: LabelValues<string>;
  countLabels?: LabelValues<string>;
}

/**
 * Runs an operation inside its own span and records its duration and outcome: the one way an application
 * measures a unit of work (a saga step, a job, an outbound call), whoever calls it. The span is active
 * while the work runs (its children and logs join it), gets the exception and status ERROR when the work
 * fails, and ends in `finally`, as the OpenTelemetry instrumentations do.
 *
 * A run that is not sampled does no span work: its attributes function is not called, and no exception,
 * status or exemplar is built for it. Its duration and outcome are recorded all the same. When the
 * sampler follows the parent's decision (parent-based, the default) and the parent is not sampled, no span
 * is started at all: the sampler would not sample it, and the parent's context carries the same decision
 * to what the work hands on.
 */
export class OperationTelemetry {
  private readonly tracer: Tracer;

  /**
   * @param sampling What the sampler decides for a child span; by default the tracing that `startTracing`
   *   started in this process, looked up at each run. Without either, every run starts its span.
   */
  constructor(
    private readonly instruments: OperationInstruments,
    private readonly sampling?: TraceSampling,
  ) {
    this.tracer = trace.getTracer(instruments.tracerName);
  }

  run<T>(operation: Operation, work: () => Promise<T>): Promise<T> {
    const active = context.active();
    const parent: Context = operation.parent ? propagation.extract(active, operation.parent) : active;
    if (!this.spanIsNeverSampled(parent)) return this.traced(operation, active, parent, work);
    // No span: a stored parent is made active for the work, so that what it hands on (`traceparent`
    // flags 00) continues the trace unsampled; the active one stays as it is, without a context switch.
    return this.measure(operation, parent === active ? undefined : parent, work);
  }

  private async traced<T>(
    operation: Operation,
    active: Context,
    parent: Context,
    work: () => Promise<T>,
  ): Promise<T> {
    const attributes = operation.attributes;
    const lazy = typeof attributes === 'function';
    const span = this.tracer.startSpan(
      operation.span,
      { attributes: lazy ? undefined : attributes, kind: KINDS[operation.kind ?? 'internal'] },
      parent,
    );
    const recording = span.isRecording();
    if (recording && lazy) span.setAttributes(attributes());
    // Its trace is the duration's exemplar (when sampled): the timer stops after the span's context is left.
    // An unsampled run has none, said on purpose, so that the trace active when it stops is not looked up.
    const stopTimer = this.instruments.durations?.startTimer(
      operation.durationLabels,
      recording ? spanExemplar(span.spanContext()) : NO_EXEMPLAR,
    );
    // The span stays active while the work runs even when it does not record: an unsampled trace is still
    // a trace, and its context carries the decision (`traceparent` flags 00) to whatever the work hands on
    // (the Temporal workflow it starts, the outbox row it stores, the log lines it writes), so that the
    // next process does not sample a fragment of a trace whose start was dropped (parent-based sampling).
    // Only without any valid trace (tracing off and nothing to continue) is there no decision to carry:
    // the work then runs in the parent context as it is, without a context switch when that is the active
    // one.
    const runContext = isSpanContextValid(span.spanContext())
      ? trace.setSpan(parent, span)
      : parent === active
        ? undefined
        : parent;
    let outcome = OPERATION_COMPLETED;
    try {
      return await (runContext ? context.with(runContext, work) : work());
    } catch (error) {
      outcome = this.instruments.outcomeOf?.(error) ?? 'error';
      if (recording) recordFailure(span, error, outcome, this.instruments.isError?.(error) ?? true);
      throw error;
    } finally {
      stopTimer?.({ [OPERATION_OUTCOME_LABEL]: outcome });
      this.instruments.outcomes?.inc({ ...operation.countLabels, [OPERATION_OUTCOME_LABEL]: outcome });
      span.end();
    }
  }

  /**
   * Whether a span started under `parent` is certain not to be sampled, so that starting it (a sampler
   * call, ids, a non-recording span, a context switch) would produce nothing: the parent is a valid
   * trace that is not sampled, and the sampler follows the parent's decision, or samples nothing. A parent
   * that records without being sampled (a custom sampler's RECORD_ONLY) is left to the sampler.
   */
  private spanIsNeverSampled(parent: Context): boolean {
    const sampling = this.sampling ?? activeTracing();
    if (!sampling || !(sampling.followsParentSampling || sampling.recordsNothing)) return false;
    const span = trace.getSpan(parent);
    if (!span) return false;
    const spanContext = span.spanContext();
    return (
      (spanContext.traceFlags & TraceFlags.SAMPLED) === 0 &&
      isSpanContextValid(spanContext) &&
      !span.isRecording()
    );
  }

  /** A run without a span of its own: its duration (without exemplar) and outcome, as a spanned run's. */
  private async measure<T>(
    operation: Operation,
    runContext: Context | undefined,
    work: () => Promise<T>,
  ): Promise<T> {
    const stopTimer = this.instruments.durations?.startTimer(operation.durationLabels, NO_EXEMPLAR);
    let outcome = OPERATION_COMPLETED;
    try {
      return await (runContext ? context.with(runContext, work) : work());
    } catch (error) {
      outcome = this.instruments.outcomeOf?.(error) ?? 'error';
      throw error;
    } finally {
      stopTimer?.({ [OPERATION_OUTCOME_LABEL]: outcome });
      this.instruments.outcomes?.inc({ ...operation.countLabels, [OPERATION_OUTCOME_LABEL]: outcome });
    }
  }
}

function recordFailure(span: Span, error: unknown, outcome: string, isError: boolean): void {
  span.recordException(error instanceof Error ? error : String(error));
  span.setAttribute('operation.outcome', outcome);
  if (isError) {
    span.setStatus({
      code: SpanStatusCode.ERROR,
      message: error instanceof Error ? error.message : undefined,
    });
  }
}

/**
 * The active trace as W3C headers, to store with work that another process or a later moment carries
 * out (an outbox row, a message); empty when there is no trace to continue. An unsampled trace is carried
 * too (`traceparent` flags 00), so that the work continues it unsampled instead of starting a new one.
 */
export function currentTraceCarrier(): TraceCarrier {
  const carrier: TraceCarrier = {};
  propagation.inject(context.active(), carrier);
  return carrier;
}
