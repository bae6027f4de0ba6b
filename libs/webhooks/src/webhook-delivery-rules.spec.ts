import {
  DEFAULT_RETRY_POLICY,
  nextAttemptDelayMs,
  parseRetryAfter,
  retryDelayMs,
  verdictOf,
} from './webhook-retry';

describe('webhook retries', () => {
  it('retries 5xx, 408, 429 and no answer; gives up on other 4xx; 2xx is delivered', () => {
    expect([200, 204, 500, 503, 408, 429, 400, 404, 410, 301, undefined].map(verdictOf)).toEqual([
      'delivered',
      'delivered',
      'retry',
      'retry',
      'retry',
      'retry',
      'dead',
      'dead',
      'dead',
      'dead',
      'retry',
    ]);
  });

  it('backs off exponentially with jitter, within half and all of the capped delay', () => {
    const policy = { ...DEFAULT_RETRY_POLICY, baseDelayMs: 1_000, maxDelayMs: 30_000 };
    expect([1, 2, 3, 4, 5, 6].map((attempt) => retryDelayMs(attempt, policy, () => 0))).toEqual([
      500, 1_000, 2_000, 4_000, 8_000, 15_000,
    ]);
    expect([1, 2, 6].map((attempt) => retryDelayMs(attempt, policy, () => 1))).toEqual([
      1_000, 2_000, 30_000,
    ]);
  });

  describe('Retry-After', () => {
    const now = Date.parse('2026-03-01T12:00:00Z');

    it.each([
      ['120', 120_000],
      ['0', 0],
      [' 7 ', 7_000],
      ['Sun, 01 Mar 2026 12:00:30 GMT', 30_000],
      ['Sunday, 01-Mar-26 12:01:00 GMT', 60_000],
      ['Sun Mar  1 12:00:05 2026', 5_000],
      ['Sun, 01 Mar 2026 11:00:00 GMT', 0], // a date in the past: now
    ])('reads %p as %p ms', (value, ms) => expect(parseRetryAfter(value, now)).toBe(ms));

    it.each([undefined, '', '-5', '1.5', '2026-03-01T12:00:30Z', 'soon', '10s', 'Sun, 99 Xyz 2026 GMT'])(
      'ignores %p',
      (value) => expect(parseRetryAfter(value, now)).toBeUndefined(),
    );

    const policy = { ...DEFAULT_RETRY_POLICY, baseDelayMs: 1_000, maxDelayMs: 60_000 };
    const delay = (attempt: number, status: number | undefined, retryAfter?: string) =>
      nextAttemptDelayMs(attempt, policy, { status, retryAfter }, { random: () => 0, nowMs: now });

    it('waits at least what a 429 or a 503 asks for, in seconds or as a date', () => {
      expect(delay(1, 503, '30')).toBe(30_000);
      expect(delay(1, 429, '5')).toBe(5_000);
      expect(delay(1, 503, 'Sun, 01 Mar 2026 12:00:45 GMT')).toBe(45_000);
    });

    it('never less than the usual backoff', () => {
      expect(delay(5, 503, '1')).toBe(8_000); // the backoff of attempt 5 is 8–16 s
      expect(delay(1, 429, '0')).toBe(500);
    });

    it('at most the longest delay of the policy', () => {
      expect(delay(1, 503, '86400')).toBe(60_000);
      expect(delay(1, 429, 'Mon, 02 Mar 2026 12:00:00 GMT')).toBe(60_000);
    });

    it('follows the usual backoff for other answers, no answer or an unreadable value', () => {
      expect(delay(1, 500, '30')).toBe(500);
      expect(delay(1, 408, '30')).toBe(500);
      expect(delay(1, undefined, '30')).toBe(500);
      expect(delay(1, 503, 'later')).toBe(500);
      expect(delay(1, 503)).toBe(500);
    });
  });
});
