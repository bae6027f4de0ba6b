import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Teardown } from './teardown';

export interface OtlpSink {
  /** For `OTEL_EXPORTER_OTLP_ENDPOINT`. */
  endpoint: string;
  /** Export requests and bytes received so far. */
  received(): { requests: number; bytes: number };
}

/** A collector stand-in: reads each OTLP/HTTP export and answers 200, keeping only counts. */
export async function startOtlpSink(teardown: Teardown): Promise<OtlpSink> {
  let requests = 0;
  let bytes = 0;
  const server = createServer((request, response) => {
    request.on('data', (chunk: Buffer) => (bytes += chunk.length));
    request.on('end', () => {
      requests += 1;
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  teardown.defer('close the OTLP sink', () => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received: () => ({ requests, bytes }),
  };
}
