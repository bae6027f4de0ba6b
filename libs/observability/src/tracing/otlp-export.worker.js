'use strict';
// The OTLP trace exporter, run in a worker thread so that encoding each batch (protobuf or JSON) and
// compressing it never holds the application's event loop. `WorkerThreadSpanExporter` (the main thread's
// side) posts batches of spans as plain data (`export()` there writes the format); this file rebuilds
// them as the exporter reads them and answers each batch with the exporter's result.
// Plain JavaScript, so that builds copy it beside the bundle as it is (nest-cli.json assets).
const { parentPort, workerData } = require('node:worker_threads');
const { TraceState } = require('@opentelemetry/core');
const { OTLPTraceExporter: OTLPJsonTraceExporter } = require('@opentelemetry/exporter-trace-otlp-http');
const { OTLPTraceExporter: OTLPProtobufTraceExporter } = require('@opentelemetry/exporter-trace-otlp-proto');
const { resourceFromAttributes } = require('@opentelemetry/resources');

const { protocol, compression } = workerData;
const exporter =
  protocol === 'http/json'
    ? new OTLPJsonTraceExporter({ compression })
    : new OTLPProtobufTraceExporter({ compression });

// The exporter groups spans by resource and scope identity: each is rebuilt once and reused.
const resources = new Map();
const scopes = new Map();

function spanContext([traceId, spanId, traceFlags, traceState, isRemote]) {
  return {
    traceId,
    spanId,
    traceFlags,
    isRemote,
    traceState: traceState === undefined ? undefined : new TraceState(traceState),
  };
}

function readableSpan(wire) {
  const context = spanContext(wire.context);
  return {
    name: wire.name,
    kind: wire.kind,
    spanContext: () => context,
    parentSpanContext: wire.parent && spanContext(wire.parent),
    startTime: wire.startTime,
    endTime: wire.endTime,
    duration: wire.duration,
    ended: true,
    status: wire.status,
    attributes: wire.attributes,
    events: wire.events,
    links: wire.links.map((link) => ({ ...link, context: spanContext(link.context) })),
    droppedAttributesCount: wire.droppedAttributesCount,
    droppedEventsCount: wire.droppedEventsCount,
    droppedLinksCount: wire.droppedLinksCount,
    resource: resources.get(wire.resource),
    instrumentationScope: scopes.get(wire.scope),
  };
}

function answer(message) {
  parentPort.postMessage(message);
}

parentPort.on('message', (message) => {
  switch (message.type) {
    case 'export': {
      for (const [id, attributes, schemaUrl] of message.resources)
        resources.set(id, resourceFromAttributes(attributes, { schemaUrl }));
      for (const [id, scope] of message.scopes) scopes.set(id, scope);
      let spans;
      try {
        spans = message.spans.map(readableSpan);
      } catch (error) {
        answer({ type: 'exported', id: message.id, code: 1, error: String(error) });
        return;
      }
      exporter.export(spans, (result) =>
        answer({ type: 'exported', id: message.id, code: result.code, error: result.error?.message }),
      );
      return;
    }
    case 'flush':
      exporter.forceFlush().then(
        () => answer({ type: 'flushed', id: message.id }),
        () => answer({ type: 'flushed', id: message.id }),
      );
      return;
    case 'shutdown':
      exporter.shutdown().then(
        () => answer({ type: 'closed', id: message.id }),
        () => answer({ type: 'closed', id: message.id }),
      );
      return;
  }
});
