import { Worker } from 'node:worker_threads';
import type { SpanContext } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult, type InstrumentationScope } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';
import { assetPath } from '../asset-path';

/** What the worker's OTLP exporter sends: the standard protocols over HTTP, gzipped or not. */
export interface OtlpExportSettings {
  protocol: 'http/protobuf' | 'http/json';
  compression: 'gzip' | 'none';
}

/** A span context as plain data: trace id, span id, flags, serialized trace state, remote. */
type WireContext = [string, string, number, string | undefined, boolean | undefined];

interface Reply {
  type: 'exported' | 'flushed' | 'closed';
  id: number;
  code?: ExportResultCode;
  error?: string;
}

const WORKER_FILE = () => assetPath('libs/observability/src/tracing', 'otlp-export.worker.js', __dirname);

/**
 * Scopes are told apart by value: spans rebuilt from elsewhere (Temporal's workflow sandbox) each carry a
 * scope object of their own, which would otherwise cross once per span and each make a scope of its own.
 */
function scopeKeyOf({ name, version, schemaUrl }: InstrumentationScope): string {
  return JSON.stringify([name, version, schemaUrl]);
}

function wireContext(context: SpanContext): WireContext {
  return [
    context.traceId,
    context.spanId,
    context.traceFlags,
    context.traceState?.serialize(),
    context.isRemote,
  ];
}

/**
 * A span exporter whose OTLP encoding, compression and sending run in a worker thread
 * (`otlp-export.worker.js`): the event loop only copies each batch into a message, where encoding it
 * in place held the loop for ~10 µs per span (a batch of 1,024 spans for over 10 ms). The worker starts
 * with the first batch, and again with the next one if it ever stops (its batches in flight fail, and are
 * counted as failed exports). Resources and scopes cross once per worker, then by number.
 */
export class WorkerThreadSpanExporter implements SpanExporter {
  private worker: Worker | undefined;
  private readonly waiting = new Map<number, (reply: Reply) => void>();
  private nextId = 0;
  private resourceIds = new WeakMap<Resource, number>();
  private scopeIds = new Map<string, number>();
  private nextPartId = 0;
  private stopped = false;

  /**
   * @param env the variables the worker's exporter reads its endpoint, headers and timeout from (the
   *   standard `OTEL_EXPORTER_OTLP_*`), as they are when the worker starts.
   */
  constructor(
    readonly settings: OtlpExportSettings,
    private readonly env: NodeJS.ProcessEnv = process.env,
    private readonly workerFile: () => string = WORKER_FILE,
  ) {}

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    if (this.stopped) {
      resultCallback({ code: ExportResultCode.FAILED, error: new Error('span exporter shut down') });
      return;
    }
    let worker: Worker;
    try {
      worker = this.started();
    } catch (error) {
      resultCallback({ code: ExportResultCode.FAILED, error: error as Error });
      return;
    }
    const resources: [number, Resource['attributes'], string | undefined][] = [];
    const scopes: [number, InstrumentationScope][] = [];
    const wire = spans.map((span) => {
      let resource = this.resourceIds.get(span.resource);
      if (resource === undefined) {
        this.resourceIds.set(span.resource, (resource = this.nextPartId++));
        resources.push([resource, span.resource.attributes, span.resource.schemaUrl]);
      }
      const scopeKey = scopeKeyOf(span.instrumentationScope);
      let scope = this.scopeIds.get(scopeKey);
      if (scope === undefined) {
        this.scopeIds.set(scopeKey, (scope = this.nextPartId++));
        scopes.push([scope, { ...span.instrumentationScope }]);
      }
      return {
        context: wireContext(span.spanContext()),
        parent: span.parentSpanContext && wireContext(span.parentSpanContext),
        name: span.name,
        kind: span.kind,
        startTime: span.startTime,
        endTime: span.endTime,
        duration: span.duration,
        status: span.status,
        attributes: span.attributes,
        events: span.events,
        links: span.links.map((link) => ({ ...link, context: wireContext(link.context) })),
        droppedAttributesCount: span.droppedAttributesCount,
        droppedEventsCount: span.droppedEventsCount,
        droppedLinksCount: span.droppedLinksCount,
        resource,
        scope,
      };
    });
    this.ask(worker, { type: 'export', resources, scopes, spans: wire }, (reply) =>
      resultCallback(
        reply.code === ExportResultCode.SUCCESS
          ? { code: ExportResultCode.SUCCESS }
          : { code: ExportResultCode.FAILED, error: new Error(reply.error ?? 'span export failed') },
      ),
    );
  }

  forceFlush(): Promise<void> {
    const worker = this.worker;
    if (!worker) return Promise.resolve();
    return new Promise((resolve) => this.ask(worker, { type: 'flush' }, () => resolve()));
  }

  /** Lets the exports in flight finish, closes the exporter and ends the thread. */
  async shutdown(): Promise<void> {
    this.stopped = true;
    const worker = this.worker;
    if (!worker) return;
    await new Promise<void>((resolve) => this.ask(worker, { type: 'shutdown' }, () => resolve()));
    await worker.terminate();
  }

  private started(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(this.workerFile(), {
      workerData: this.settings,
      env: this.env,
      execArgv: [], // no preloaded tracing (or TypeScript loader) inside the exporter's thread
    });
    worker.unref(); // a pending export never keeps the process alive; shutdown() waits for them
    worker.on('message', (reply: Reply) => {
      const settle = this.waiting.get(reply.id);
      this.waiting.delete(reply.id);
      settle?.(reply);
    });
    const stop = (why: string) => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      this.resourceIds = new WeakMap();
      this.scopeIds = new Map();
      if (!this.stopped) process.stderr.write(`span export worker stopped: ${why}\n`);
      for (const [id, settle] of this.waiting) settle({ type: 'exported', id, error: why });
      this.waiting.clear();
    };
    worker.on('error', (error) => stop(error.message));
    worker.on('exit', (code) => stop(`exited with code ${code}`));
    return (this.worker = worker);
  }

  private ask(worker: Worker, message: object, settle: (reply: Reply) => void): void {
    const id = this.nextId++;
    this.waiting.set(id, settle);
    worker.postMessage({ ...message, id });
  }
}
