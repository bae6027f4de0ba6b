import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import { pinoHttp } from 'pino-http';
import { waitFor } from '../../../../tooling/wait-for';
import { resolveObservabilityOptions } from '../observability.options';
import { ecsLoggerOptions, pinoHttpOptions } from './pino-http.options';

describe('access log levels (pino-http options)', () => {
  const { customLogLevel } = pinoHttpOptions(resolveObservabilityOptions({ serviceName: 'svc' }));
  const level = (url: string, statusCode: number, error?: Error) =>
    customLogLevel!(
      { url, originalUrl: url } as IncomingMessage & { originalUrl: string },
      { statusCode } as ServerResponse,
      error,
    );

  it('leaves out probes and scrapes that succeed', () => {
    expect(['/health/live', '/health/ready', '/metrics'].map((url) => level(url, 200))).toEqual([
      'silent',
      'silent',
      'silent',
    ]);
  });

  it('logs a probe that fails at warn (readiness is 503 by design while draining), every other request by its status', () => {
    expect(level('/health/ready', 503)).toBe('warn');
    expect(level('/health/live', 200, new Error('socket hang up'))).toBe('warn');
    expect(level('/orders/1', 200)).toBe('info');
    expect(level('/orders/1', 404)).toBe('warn');
    expect(level('/orders', 500)).toBe('error');
    expect(level('/healthy-looking/route', 200)).toBe('info');
  });
});

describe('credentials in the access log (pino-http with these options, a real HTTP exchange)', () => {
  it('writes credential headers and query parameters as [REDACTED], and leaves the request itself untouched', async () => {
    const lines: Array<Record<string, any>> = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString()));
        done();
      },
    });
    const log = pinoHttp(
      { ...pinoHttpOptions(resolveObservabilityOptions({ serviceName: 'svc' })), quietReqLogger: false },
      sink,
    );
    const seen: Array<string | undefined> = [];
    const server = createServer((request, response) => {
      (request as IncomingMessage & { query?: unknown }).query = Object.fromEntries(
        new URL(request.url ?? '/', 'http://x').searchParams,
      );
      log(request, response);
      seen.push(request.headers.authorization);
      response.setHeader('set-cookie', 'session=s3cr3t-cookie');
      response.end('{}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      await fetch(`http://127.0.0.1:${port}/orders?access_token=query-t0ken&limit=5`, {
        headers: { authorization: 'Bearer header-t0ken', cookie: 'sid=c00kie', 'user-agent': 'spec' },
      });
      await waitFor(
        async () => lines.length,
        (n) => n > 0,
        5_000,
        10,
      );
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }

    const [line] = lines;
    expect(JSON.stringify(lines)).not.toMatch(/t0ken|c00kie|s3cr3t/);
    expect(line.req.headers).toMatchObject({
      authorization: '[REDACTED]',
      cookie: '[REDACTED]',
      'user-agent': 'spec',
    });
    expect(line.req.query).toEqual({ access_token: '[REDACTED]', limit: '5' });
    expect(line.http.response.headers['set-cookie']).toBe('[REDACTED]');
    expect(seen).toEqual(['Bearer header-t0ken']); // the application still reads its header
  });

  it('censors the headers of a request logged directly, in its ECS fields', () => {
    const lines: Array<Record<string, any>> = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString()));
        done();
      },
    });
    const logger = pino(ecsLoggerOptions(resolveObservabilityOptions({ serviceName: 'svc' })), sink);
    const headers = { host: 'h', authorization: 'Bearer direct-t0ken', 'x-api-key': 'k3y' };
    logger.info({ req: { httpVersion: '1.1', method: 'GET', url: '/x', headers } }, 'direct');
    expect(JSON.stringify(lines)).not.toMatch(/direct-t0ken|k3y/);
    expect(lines[0].http.request.headers).toEqual({
      host: 'h',
      authorization: '[REDACTED]',
      'x-api-key': '[REDACTED]',
    });
    expect(headers.authorization).toBe('Bearer direct-t0ken');
  });
});
