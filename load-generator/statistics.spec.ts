import { LoadStatistics, percentile, summarizeLatencies } from './statistics';

describe('percentile (nearest rank)', () => {
  const oneToHundred = Array.from({ length: 100 }, (_, i) => i + 1);

  it('picks the smallest value with at least p % of the values at or below it', () => {
    expect(percentile(oneToHundred, 50)).toBe(50);
    expect(percentile(oneToHundred, 95)).toBe(95);
    expect(percentile(oneToHundred, 99)).toBe(99);
    expect(percentile(oneToHundred, 99.5)).toBe(100);
    expect(percentile(oneToHundred, 100)).toBe(100);
    expect(percentile(oneToHundred, 0)).toBe(1);
    expect(percentile([10, 20, 30, 40], 50)).toBe(20);
    expect(percentile([10, 20, 30, 40], 51)).toBe(30);
  });

  it('returns the only value for one sample and null for none', () => {
    expect(percentile([7], 95)).toBe(7);
    expect(percentile([], 95)).toBeNull();
  });
});

describe('summarizeLatencies', () => {
  it('sorts numerically before ranking (not as strings)', () => {
    const values = [100, 9, 80, 2, 1000, 15, 7, 60, 3, 5];
    expect(summarizeLatencies(values)).toEqual({ p50: 9, p95: 1000, p99: 1000, max: 1000 });
  });

  it('is all null without samples', () => {
    expect(summarizeLatencies([])).toEqual({ p50: null, p95: null, p99: null, max: null });
  });
});

describe('LoadStatistics', () => {
  it('counts 5xx, timeouts and connection errors as errors, intended 4xx as rejections, others as unexpected', () => {
    const stats = new LoadStatistics(() => 0);
    stats.recordResponse('browse', 200, 5, [200]);
    stats.recordResponse('bad-body', 400, 3, [400]);
    stats.recordResponse('cancel', 409, 4, [202, 409]);
    stats.recordResponse('read', 404, 4, [200]);
    stats.recordResponse('order', 503, 9, [202]);
    stats.recordFailure('timeout');
    stats.recordFailure('connection');
    const totals = stats.totals();
    expect(totals.responses).toBe(5);
    expect(totals.errors).toEqual({ total: 3, status5xx: 1, timeouts: 1, connection: 1 });
    expect(totals.intendedRejections).toBe(2);
    expect(totals.unexpectedStatuses).toBe(1);
    expect(totals.statuses).toEqual({ '200': 1, '400': 1, '404': 1, '409': 1, '503': 1 });
    expect(totals.actions).toEqual({ browse: 1, read: 1, order: 1, cancel: 1, 'bad-body': 1 });
    expect(totals.latencyMs).toEqual({ p50: 4, p95: 9, p99: 9, max: 9 });
  });

  it('reports each interval on its own: rate, errors and p95 since the previous report', () => {
    let now = 0;
    const stats = new LoadStatistics(() => now);
    for (let i = 1; i <= 20; i++) stats.recordResponse('browse', 200, i, [200]);
    stats.recordFailure('timeout');
    now = 2_000;
    expect(stats.takeInterval()).toEqual({
      durationMs: 2_000,
      responses: 20,
      rate: 10,
      errors: 1,
      p95: 19,
      totalResponses: 20,
      totalErrors: 1,
    });
    stats.recordResponse('browse', 200, 50, [200]);
    now = 3_000;
    expect(stats.takeInterval()).toEqual({
      durationMs: 1_000,
      responses: 1,
      rate: 1,
      errors: 0,
      p95: 50,
      totalResponses: 21,
      totalErrors: 1,
    });
    now = 4_000;
    expect(stats.takeInterval()).toMatchObject({ responses: 0, rate: 0, p95: null });
    expect(stats.totals().responses).toBe(21);
  });
});
