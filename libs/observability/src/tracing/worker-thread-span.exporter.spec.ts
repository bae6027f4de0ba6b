import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { ExportResultCode, TraceState, type ExportResult } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  InMemorySpanExporter,
  SimpleSpanProcessor,
  TracerProvider,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace';
import { WorkerThreadSpanExporter, type OtlpExportSettings } from './worker-thread-span.exporter';

interface Received {
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** A local OTLP/HTTP endpoint: keeps every request, answers with `status`. */
async function collector(status = 200) {
  const received: Received[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({ headers: request.headers, body: Buffer.concat(chunks) });
      response.writeHead(status, { 'content-type': 'application/json' }).end('{}');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return { received, url: `http://127.0.0.1:${port}/v1/traces`, close: () => server.close() };
}

/** Two finished spans of one trace, as the SDK hands them to an exporter: a server span and its child. */
async function finishedSpans() {
  const memory = new InMemorySpanExporter();
  const processor = new SimpleSpanProcessor({ exporter: memory });
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'orders-api', 'service.version': '9.9.9' }),
    spanProcessors: [processor],
  });
  const tracer = provider.getTracer('orders-test', '1.2.3');
  const server = tracer.startSpan('GET /orders/:id', {
    kind: SpanKind.SERVER,
    attributes: { 'http.route': '/orders/:id', 'http.response.status_code': 500 },
  });
  const linked = {
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: 'b7ad6b7169203331',
    traceFlags: 1,
    traceState: new TraceState('vendor=value'),
  };
  const child = tracer.startSpan(
    'OrdersController.get',
    {
      attributes: { 'order.id': 'o-1', tags: ['a', 'b'] },
      links: [{ context: linked, attributes: { why: 'retry' } }],
    },
    trace.setSpan(context.active(), server),
  );
  child.addEvent('payment.declined', { 'payment.reason': 'insufficient_funds' });
  child.setStatus({ code: SpanStatusCode.ERROR, message: 'payment declined' });
  child.end();
  server.end();
  await processor.forceFlush();
  return memory.getFinishedSpans();
}

async function exportThrough(exporter: WorkerThreadSpanExporter, spans?: ReadableSpan[]) {
  const batch = spans ?? (await finishedSpans());
  return new Promise<ExportResult>((resolve) => exporter.export(batch, resolve));
}

describe('WorkerThreadSpanExporter (OTLP encoding and sending in a worker thread)', () => {
  const exporters: WorkerThreadSpanExporter[] = [];
  const closers: (() => void)[] = [];
  afterEach(async () => {
    await Promise.all(exporters.splice(0).map((exporter) => exporter.shutdown()));
    closers.splice(0).forEach((close) => close());
  });

  async function sendingTo(settings: OtlpExportSettings, status = 200) {
    const endpoint = await collector(status);
    closers.push(endpoint.close);
    // The standard variable the worker's exporter reads its endpoint from, as in production.
    const exporter = new WorkerThreadSpanExporter(settings, {
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: endpoint.url,
    });
    exporters.push(exporter);
    return { endpoint, exporter };
  }

  it('delivers every field of the spans the SDK made (OTLP/JSON, uncompressed)', async () => {
    const { endpoint, exporter } = await sendingTo({ protocol: 'http/json', compression: 'none' });
    const spans = await finishedSpans();

    await expect(exportThrough(exporter, spans)).resolves.toEqual({ code: ExportResultCode.SUCCESS });

    expect(endpoint.received).toHaveLength(1);
    const body = JSON.parse(endpoint.received[0].body.toString('utf8'));
    const [resourceSpans] = body.resourceSpans;
    expect(resourceSpans.resource.attributes).toEqual(
      expect.arrayContaining([
        { key: 'service.name', value: { stringValue: 'orders-api' } },
        { key: 'service.version', value: { stringValue: '9.9.9' } },
      ]),
    );
    expect(resourceSpans.scopeSpans).toHaveLength(1);
    expect(resourceSpans.scopeSpans[0].scope).toMatchObject({ name: 'orders-test', version: '1.2.3' });
    const sent = resourceSpans.scopeSpans[0].spans;
    const [child, server] = spans;
    expect(sent.map((span: { name: string }) => span.name)).toEqual([
      'OrdersController.get',
      'GET /orders/:id',
    ]);
    expect(sent[0]).toMatchObject({
      traceId: child.spanContext().traceId,
      spanId: child.spanContext().spanId,
      parentSpanId: server.spanContext().spanId,
      kind: 1,
      status: { code: 2, message: 'payment declined' },
      events: [
        {
          name: 'payment.declined',
          attributes: [{ key: 'payment.reason', value: { stringValue: 'insufficient_funds' } }],
        },
      ],
      links: [
        {
          traceId: '0af7651916cd43dd8448eb211c80319c',
          spanId: 'b7ad6b7169203331',
          traceState: 'vendor=value',
          attributes: [{ key: 'why', value: { stringValue: 'retry' } }],
        },
      ],
    });
    expect(sent[0].attributes).toEqual(
      expect.arrayContaining([
        { key: 'order.id', value: { stringValue: 'o-1' } },
        { key: 'tags', value: { arrayValue: { values: [{ stringValue: 'a' }, { stringValue: 'b' }] } } },
      ]),
    );
    expect(sent[1]).toMatchObject({ kind: 2, spanId: server.spanContext().spanId });
    expect(sent[1].parentSpanId ?? '').toBe('');
    expect(BigInt(sent[0].endTimeUnixNano)).toBeGreaterThanOrEqual(BigInt(sent[0].startTimeUnixNano));
  });

  it('sends gzipped protobuf by default, and the resource once for many batches', async () => {
    const { endpoint, exporter } = await sendingTo({ protocol: 'http/protobuf', compression: 'gzip' });
    const spans = await finishedSpans();

    for (let batch = 0; batch < 3; batch += 1)
      await expect(exportThrough(exporter, spans)).resolves.toEqual({ code: ExportResultCode.SUCCESS });

    expect(endpoint.received).toHaveLength(3);
    for (const { headers, body } of endpoint.received) {
      expect(headers).toMatchObject({ 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip' });
      const decoded = gunzipSync(body);
      expect(decoded.includes('OrdersController.get')).toBe(true);
      expect(decoded.includes('orders-api')).toBe(true); // the resource, in every request
      expect(decoded.includes(Buffer.from(spans[0].spanContext().traceId, 'hex'))).toBe(true);
    }
  });

  it('groups spans whose scopes are equal but separate objects (spans rebuilt from a workflow sandbox)', async () => {
    const { endpoint, exporter } = await sendingTo({ protocol: 'http/json', compression: 'none' });
    const spans = await finishedSpans();
    const rebuilt = spans.map((span) => ({
      ...span,
      spanContext: () => span.spanContext(),
      instrumentationScope: { ...span.instrumentationScope },
    }));

    await expect(exportThrough(exporter, rebuilt)).resolves.toEqual({ code: ExportResultCode.SUCCESS });
    await expect(exportThrough(exporter, rebuilt)).resolves.toEqual({ code: ExportResultCode.SUCCESS });

    for (const { body } of endpoint.received) {
      const [resourceSpans] = JSON.parse(body.toString('utf8')).resourceSpans;
      expect(resourceSpans.scopeSpans).toHaveLength(1);
      expect(resourceSpans.scopeSpans[0].spans).toHaveLength(2);
    }
  });

  it('reports a batch the collector refuses as failed', async () => {
    const { exporter } = await sendingTo({ protocol: 'http/json', compression: 'none' }, 400);

    const result = await exportThrough(exporter);
    expect(result.code).toBe(ExportResultCode.FAILED);
    expect(result.error?.message).toMatch(/400|Bad Request/);
  });

  it('fails the batches of a worker that stops, and starts a new one for the next batch', async () => {
    const folder = mkdtempSync(path.join(tmpdir(), 'span-worker-'));
    closers.push(() => rmSync(folder, { recursive: true, force: true }));
    const file = path.join(folder, 'exits.js');
    let starts = 0;
    writeFileSync(
      file,
      "require('node:worker_threads').parentPort.once('message', () => process.exit(7));\n",
    );
    const exporter = new WorkerThreadSpanExporter({ protocol: 'http/json', compression: 'none' }, {}, () => {
      starts += 1;
      return file;
    });
    exporters.push(exporter);
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const first = await exportThrough(exporter);
      const second = await exportThrough(exporter);

      expect(first).toMatchObject({ code: ExportResultCode.FAILED });
      expect(first.error?.message).toBe('exited with code 7');
      expect(second).toMatchObject({ code: ExportResultCode.FAILED });
      expect(starts).toBe(2);
      expect(stderr).toHaveBeenCalledWith('span export worker stopped: exited with code 7\n');
    } finally {
      stderr.mockRestore();
    }
  });

  it('refuses batches after shutdown, once the worker has flushed and ended', async () => {
    const { endpoint, exporter } = await sendingTo({ protocol: 'http/json', compression: 'none' });
    await expect(exportThrough(exporter)).resolves.toEqual({ code: ExportResultCode.SUCCESS });

    await exporter.shutdown();
    const after = await exportThrough(exporter);

    expect(after.code).toBe(ExportResultCode.FAILED);
    expect(after.error?.message).toBe('span exporter shut down');
    expect(endpoint.received).toHaveLength(1);
  });
});
