import { allowanceState, type RateLimitPolicy } from './rate-limit-window';

describe('allowanceState', () => {
  const policy: RateLimitPolicy = { name: 'orders', quota: 3, windowSeconds: 60 };

  it('counts down to 0 and refuses every request past the quota', () => {
    const states = [1, 2, 3, 4, 9].map((count) => allowanceState(policy, { count, resetsInMs: 30_000 }));
    expect(states.map((s) => s.allowed)).toEqual([true, true, true, false, false]);
    expect(states.map((s) => s.remaining)).toEqual([2, 1, 0, 0, 0]);
  });

  it('rounds the time to the reset up to whole seconds, never to 0 nor past the window', () => {
    const resetIn = (resetsInMs: number) => allowanceState(policy, { count: 1, resetsInMs }).resetSeconds;
    expect(resetIn(60_000)).toBe(60);
    expect(resetIn(59_001)).toBe(60);
    expect(resetIn(59_000)).toBe(59);
    expect(resetIn(1_500)).toBe(2);
    expect(resetIn(1)).toBe(1);
    expect(resetIn(0)).toBe(1);
    // A store's clock slightly ahead cannot announce a longer wait than a window.
    expect(resetIn(60_400)).toBe(60);
  });

  it('with a quota of 1, allows the first request only', () => {
    const one = { ...policy, quota: 1 };
    expect(allowanceState(one, { count: 1, resetsInMs: 60_000 })).toEqual({
      allowed: true,
      remaining: 0,
      resetSeconds: 60,
    });
    expect(allowanceState(one, { count: 2, resetsInMs: 10_000 })).toEqual({
      allowed: false,
      remaining: 0,
      resetSeconds: 10,
    });
  });
});
