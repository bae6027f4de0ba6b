import { StandaloneMetrics, type Counter } from '@app/observability';
import type { LoggerService } from '@nestjs/common';
import { RateLimitStoreHealth, STORE_WARNING_INTERVAL_MS } from './rate-limit-store-health';

describe('RateLimitStoreHealth', () => {
  let errors: Counter<'limit'>;
  let lines: Array<[level: 'log' | 'warn', message: string]>;
  let now: number;
  let health: RateLimitStoreHealth;
  const logger: LoggerService = {
    log: (message: string) => lines.push(['log', message]),
    warn: (message: string) => lines.push(['warn', message]),
    error: () => undefined,
  };
  const counted = async () =>
    (await errors.get()).values.find((v) => v.labels.limit === 'order_placement')?.value;
  const timeout = new Error('Command timed out');

  beforeEach(() => {
    errors = new StandaloneMetrics().counter({
      name: 'store_errors_total',
      help: 'x',
      labelNames: ['limit'],
    });
    lines = [];
    now = 1_000_000;
    health = new RateLimitStoreHealth(errors, logger, () => now);
  });

  it('counts every failure, warns when failing starts and logs once when the store answers again', async () => {
    health.succeeded();
    for (let i = 0; i < 50; i++) health.failed(timeout);
    health.succeeded();
    health.succeeded();
    expect(await counted()).toBe(50);
    expect(lines).toEqual([
      [
        'warn',
        expect.stringMatching(/^Rate limit store \(Redis\) failing \(Command timed out\).*\(1 request\(s\)/),
      ],
      ['log', expect.stringContaining('answers again')],
    ]);
  });

  it('warns at most once per interval while the store flaps, with the failures since the last warning', () => {
    for (let i = 0; i < 10; i++) {
      health.failed(timeout);
      health.failed(timeout);
      health.succeeded();
      now += STORE_WARNING_INTERVAL_MS / 10 - 1;
    }
    now += 10;
    health.failed(timeout);
    expect(lines.filter(([level]) => level === 'warn').map(([, message]) => message)).toEqual([
      expect.stringContaining('(1 request(s) since the last warning)'),
      expect.stringContaining('(20 request(s) since the last warning)'),
    ]);
    // Only the outages that were announced are said to be over.
    expect(lines.filter(([level]) => level === 'log')).toHaveLength(1);
  });

  it('names the connection error, which a disconnected client does not give its commands', () => {
    health.connectionFailed(new Error('connect ECONNREFUSED 127.0.0.1:6390'));
    health.failed(new Error("Stream isn't writeable and enableOfflineQueue options is false"));
    expect(lines[0][1]).toContain('connection: connect ECONNREFUSED 127.0.0.1:6390');
    now += STORE_WARNING_INTERVAL_MS;
    health.connected();
    health.failed(timeout);
    expect(lines[1][1]).not.toContain('connection:');
  });

  it('announces a store not connected at start without counting a request, and its recovery', async () => {
    health.notConnectedAtStart();
    health.succeeded();
    expect(await counted()).toBeUndefined();
    expect(lines.map(([level]) => level)).toEqual(['warn', 'log']);
    expect(lines[0][1]).toContain('not connected at start');
  });
});
