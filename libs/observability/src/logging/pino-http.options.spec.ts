import type { IncomingMessage, ServerResponse } from 'node:http';
import { resolveObservabilityOptions } from '../observability.options';
import { pinoHttpOptions } from './pino-http.options';

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
