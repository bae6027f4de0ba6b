import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { requestJson } from '../../../tooling/json-request';
import { orderBody } from '../../../tooling/order-requests';
import { startApiProcess, type ApiProcess } from '../../../tooling/app-processes';

const MiB = 1024 * 1024;
const DRAIN_LIMIT_BYTES = 32 * MiB;
const DRAIN_TIMEOUT_MS = 5_000;

/** A POST /orders body of about `bytes` bytes: a valid order padded with an unknown field. */
function jsonOfSize(bytes: number): string {
  const order = JSON.stringify(orderBody());
  return `${order.slice(0, -1)},"padding":"${'x'.repeat(bytes - order.length - 13)}"}`;
}

/** Runs `count` calls of `task`, at most `concurrency` at a time, and returns every result in order. */
async function inBatches<T>(count: number, concurrency: number, task: () => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  for (let start = 0; start < count; start += concurrency) {
    const batch = Array.from({ length: Math.min(concurrency, count - start) }, task);
    results.push(...(await Promise.all(batch)));
  }
  return results;
}

interface FetchOutcome {
  status?: number;
  code?: string;
  error?: string;
}

/** POST /orders through Node's own fetch (undici); a failure is recorded with its cause, not thrown. */
async function postWithFetch(baseUrl: string, body: string): Promise<FetchOutcome> {
  try {
    const response = await requestJson(baseUrl, 'POST', '/orders', {
      raw: body,
      headers: { 'content-type': 'application/json' },
    });
    return { status: response.status, code: response.body?.code };
  } catch (error) {
    const cause = (error as { cause?: NodeJS.ErrnoException }).cause;
    return { error: cause?.code ?? cause?.message ?? String(error) };
  }
}

interface RawOutcome {
  /** Everything the server sent back. */
  response: string;
  /** The socket error the client saw, if any (EPIPE, ECONNRESET). */
  error?: string;
  /** Body bytes the kernel accepted from the client before the connection ended. */
  bodyBytesWritten: number;
  /** From the first byte sent to the connection closing. */
  elapsedMs: number;
}

interface RawBody {
  /** Request head lines after the request line, e.g. `content-length: 8388608`. */
  headers: string[];
  /** Body bytes to send; Infinity keeps sending until the server ends the connection. */
  bytes: number;
  chunk: Buffer;
  /** Pause between chunks (a trickling client); 0 sends as fast as the server reads. */
  everyMs?: number;
  /** Frame each chunk with chunked transfer coding. */
  chunked?: boolean;
}

/** A raw TCP client: sends a POST /orders head, then streams the body, reading whatever comes back. */
function sendRaw(port: number, body: RawBody): Promise<RawOutcome> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const started = Date.now();
    let response = '';
    let error: string | undefined;
    let closed = false;
    let written = 0;
    socket.on('data', (data: Buffer) => (response += data.toString('latin1')));
    socket.on('error', (e: NodeJS.ErrnoException) => (error ??= e.code ?? e.message));
    socket.on('close', () => {
      closed = true;
      resolve({
        response,
        error,
        bodyBytesWritten: written - socket.writableLength,
        elapsedMs: Date.now() - started,
      });
    });
    const writable = () =>
      new Promise<void>((resume) => {
        const go = () => {
          socket.off('drain', go).off('close', go);
          resume();
        };
        socket.on('drain', go).on('close', go);
      });
    const stream = async () => {
      const head = ['POST /orders HTTP/1.1', 'host: 127.0.0.1', ...body.headers, '', ''].join('\r\n');
      socket.write(head);
      const frame = body.chunked
        ? Buffer.concat([
            Buffer.from(`${body.chunk.length.toString(16)}\r\n`),
            body.chunk,
            Buffer.from('\r\n'),
          ])
        : body.chunk;
      while (!closed && written < body.bytes) {
        const slice = body.bytes - written < frame.length ? frame.subarray(0, body.bytes - written) : frame;
        written += slice.length;
        if (!socket.write(slice)) await writable();
        if (body.everyMs) await sleep(body.everyMs);
      }
    };
    socket.once('connect', () => void stream());
  });
}

const statusLine = (response: string) => response.split('\r\n', 1)[0];
const jsonBodyOf = (response: string) => {
  const start = response.indexOf('\r\n\r\n');
  try {
    return JSON.parse(response.slice(start + 4));
  } catch {
    return undefined;
  }
};

describe('oversized request bodies (the real entry point in a child process)', () => {
  let dataDir: string;
  let api: ApiProcess;
  let port: number;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'orders-oversized-'));
    api = await startApiProcess({
      EMBEDDED_DATABASE_DIR: dataDir,
      EMBEDDED_DATABASE_PORT: '0',
      BODY_LIMIT_BYTES: String(MiB),
      BODY_DRAIN_LIMIT_BYTES: String(DRAIN_LIMIT_BYTES),
      BODY_DRAIN_TIMEOUT_MS: String(DRAIN_TIMEOUT_MS),
    });
    port = Number(new URL(api.baseUrl).port);
  });
  afterAll(async () => {
    await api?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  const TOO_LARGE = { status: 413, code: 'PAYLOAD_TOO_LARGE' };

  it('answers every 2 MB JSON body sent with fetch with the 413 error body (30 of 30)', async () => {
    const body = jsonOfSize(2 * MiB);
    const outcomes = await inBatches(30, 30, () => postWithFetch(api.baseUrl, body));
    expect(outcomes).toEqual(Array(30).fill(TOO_LARGE));
  });

  it('answers every 20 MB JSON body sent with fetch with the 413 error body (30 of 30)', async () => {
    const body = jsonOfSize(20 * MiB);
    const outcomes = await inBatches(30, 3, () => postWithFetch(api.baseUrl, body));
    expect(outcomes).toEqual(Array(30).fill(TOO_LARGE));
  });

  it('answers every 4 MB body that is not JSON with 415 after reading it (30 of 30)', async () => {
    // Refused by a hook before Fastify reads the body: the same drain applies.
    const body = 'x'.repeat(4 * MiB);
    const outcomes = await inBatches(30, 10, async (): Promise<FetchOutcome> => {
      try {
        const response = await requestJson(api.baseUrl, 'POST', '/orders', {
          raw: body,
          headers: { 'content-type': 'text/plain' },
        });
        return { status: response.status, code: response.body?.code };
      } catch (error) {
        return { error: String((error as { cause?: unknown }).cause ?? error) };
      }
    });
    expect(outcomes).toEqual(Array(30).fill({ status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' }));
  });

  it('answers a raw socket streaming 8 MB with the 413 response (10 of 10)', async () => {
    const bytes = 8 * MiB;
    const outcomes = await inBatches(10, 5, () =>
      sendRaw(port, {
        headers: ['content-type: application/json', `content-length: ${bytes}`],
        bytes,
        chunk: Buffer.alloc(64 * 1024, 'x'),
      }),
    );
    expect(
      outcomes.map((o) => ({ status: statusLine(o.response), body: jsonBodyOf(o.response), error: o.error })),
    ).toEqual(
      Array(10).fill({
        status: 'HTTP/1.1 413 Payload Too Large',
        body: expect.objectContaining({ status: 413, code: 'PAYLOAD_TOO_LARGE' }),
        error: undefined,
      }),
    );
    // The whole body was read: the client's every byte left its socket before the answer closed it.
    expect(outcomes.map((o) => o.bodyBytesWritten)).toEqual(Array(10).fill(bytes));
  });

  describe('a client that would hold the connection forever is cut off', () => {
    it('after the drain limit of bytes, when it keeps sending (chunked, no end)', async () => {
      const outcome = await sendRaw(port, {
        headers: ['content-type: application/json', 'transfer-encoding: chunked'],
        bytes: Infinity,
        chunk: Buffer.alloc(256 * 1024, 'x'),
        chunked: true,
      });
      // Read up to the limit (plus what the kernels' buffers hold), then closed; never the whole stream.
      expect(outcome.bodyBytesWritten).toBeGreaterThan(DRAIN_LIMIT_BYTES);
      expect(outcome.bodyBytesWritten).toBeLessThan(DRAIN_LIMIT_BYTES + 32 * MiB);
      expect(outcome.elapsedMs).toBeLessThan(DRAIN_TIMEOUT_MS + 2_000);
    });

    it('after the drain time, when it trickles a body it announced', async () => {
      const outcome = await sendRaw(port, {
        headers: ['content-type: application/json', `content-length: ${4 * MiB}`],
        bytes: 4 * MiB,
        chunk: Buffer.alloc(1024, 'x'),
        everyMs: 20,
      });
      expect(outcome.bodyBytesWritten).toBeLessThan(4 * MiB);
      // It was given the whole drain time (timers never fire early), and no more than that.
      expect(outcome.elapsedMs).toBeGreaterThanOrEqual(DRAIN_TIMEOUT_MS);
      expect(outcome.elapsedMs).toBeLessThan(DRAIN_TIMEOUT_MS + 2_000);
    });

    it('at once, when it announces more than the drain limit', async () => {
      const outcome = await sendRaw(port, {
        headers: ['content-type: application/json', `content-length: ${10 * 1024 * MiB}`],
        bytes: Infinity,
        chunk: Buffer.alloc(1024, 'x'),
        everyMs: 20,
      });
      expect(outcome.elapsedMs).toBeLessThan(DRAIN_TIMEOUT_MS);
    });
  });

  it('still serves requests afterwards', async () => {
    expect((await requestJson(api.baseUrl, 'GET', '/health/ready')).status).toBe(200);
  });
});
