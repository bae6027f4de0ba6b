import { formatElapsed, formatMs, formatProgress, formatSummary, type LoadSummary } from './report';

const summary = (overrides: Partial<LoadSummary> = {}): LoadSummary => ({
  url: 'http://127.0.0.1:3000',
  startedAt: '2025-01-01T00:00:00.000Z',
  durationSeconds: 10.04,
  stoppedBy: 'duration',
  rate: 50,
  connections: 10,
  seed: 42,
  requests: 500,
  throughput: 49.8,
  latencyMs: { p50: 3.21, p95: 11.44, p99: 25.02, max: 140.6 },
  errors: { total: 2, status5xx: 1, timeouts: 1, connection: 0 },
  intendedRejections: 30,
  unexpectedStatuses: 0,
  statuses: { '200': 300, '202': 150, '400': 20, '404': 5, '409': 4, '422': 5, '503': 1 },
  actions: { browse: 120, order: 130, 'unknown-route': 5 },
  orders: {
    placed: 125,
    declinedCard: 12,
    withIdempotencyKey: 25,
    replays: 12,
    replaysConfirmed: 11,
    cancelsAccepted: 9,
    cancelsRefused: 4,
  },
  outcomes: {
    checked: 125,
    completed: 100,
    failed: { OUT_OF_STOCK: 3, PAYMENT_DECLINED: 12 },
    cancelled: 9,
    running: { PAID: 1 },
    unknown: 0,
    waitedMs: 1_250,
  },
  ...overrides,
});

describe('formatSummary', () => {
  it('shows duration, throughput, latency percentiles, errors, statuses, actions, orders and outcomes', () => {
    const lines = formatSummary(summary()).split('\n');
    expect(lines[0]).toBe('Load run against http://127.0.0.1:3000 (seed 42)');
    expect(lines).toEqual(
      expect.arrayContaining([
        '  duration       10.0 s (as requested), target 50 req/s on 10 connections',
        '  requests       500 (49.8 req/s)',
        '  latency        p50 3.21 ms · p95 11.4 ms · p99 25.0 ms · max 141 ms',
        '  errors         2 (5xx 1, timeouts 1, connection 0)',
        '  rejections     30 intended 4xx answers, 0 unexpected statuses',
        'By status',
        '  200            300',
        '  503            1',
        'By action',
        '  browse         120',
        '  unknown-route  5',
        '  placed         125 (declined card 12, with Idempotency-Key 25)',
        '  replays        12 (11 answered Idempotent-Replayed: true)',
        '  cancels        9 accepted, 4 refused (409)',
        'Outcomes of the 125 orders placed (after 1.3 s)',
        '  completed      100 (80 %)',
        '  failed         15 (12 %) — PAYMENT_DECLINED 12, OUT_OF_STOCK 3',
        '  cancelled      9 (7 %)',
        '  running        1 (1 %) — PAID 1',
      ]),
    );
    expect(lines.indexOf('By status')).toBeLessThan(lines.indexOf('By action'));
    expect(lines.filter((l) => /^ {2}(product|read|list) /.test(l))).toEqual([]); // actions never sent are left out
    expect(lines.some((l) => l.includes('unreadable'))).toBe(false);
  });

  it('says when the run was stopped by a signal, orders were unreadable or outcomes were not checked', () => {
    const text = formatSummary(
      summary({
        stoppedBy: 'signal',
        outcomes: { ...summary().outcomes!, unknown: 2 },
        latencyMs: { p50: null, p95: null, p99: null, max: null },
      }),
    );
    expect(text).toContain('(stopped by signal)');
    expect(text).toContain('  unreadable     2');
    expect(text).toContain('p50 – · p95 – · p99 – · max –');
    expect(formatSummary(summary({ outcomes: null }))).toMatch(/\nOutcomes not checked$/);
  });
});

describe('formatProgress', () => {
  it('shows elapsed time, the last interval rate, totals, errors and the interval p95 on one line', () => {
    const line = formatProgress({ elapsedMs: 65_400, rate: 49.96, requests: 3_210, errors: 3, p95: 12.345 });
    expect(line).toBe(' 1m05s     50.0 req/s  requests 3210  errors 3  p95 12.3 ms');
    expect(formatProgress({ elapsedMs: 1_000, rate: 0, requests: 0, errors: 0, p95: null })).toContain(
      'p95 –',
    );
  });
});

describe('formatElapsed and formatMs', () => {
  it.each([
    [0, '0s'],
    [59_999, '59s'],
    [60_000, '1m00s'],
    [3_599_000, '59m59s'],
    [3_660_000, '1h01m'],
  ])('%d ms elapsed reads %s', (ms, text) => expect(formatElapsed(ms)).toBe(text));

  it.each([
    [0.456, '0.46 ms'],
    [9.994, '9.99 ms'],
    [42.06, '42.1 ms'],
    [1234.4, '1234 ms'],
    [null, '–'],
  ])('%p ms reads %s', (ms, text) => expect(formatMs(ms)).toBe(text));
});
