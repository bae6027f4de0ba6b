import { ProcessRateLimitStore } from './process-rate-limit-store';

describe('ProcessRateLimitStore', () => {
  const WINDOW_MS = 60_000;
  let now: number;
  let store: ProcessRateLimitStore;

  beforeEach(() => {
    now = 1_000_000;
    store = new ProcessRateLimitStore(() => now);
  });

  it('counts per key in a fixed window that starts at the key’s first request', async () => {
    expect(await store.spend('a', WINDOW_MS)).toEqual({ count: 1, resetsInMs: 60_000 });
    now += 15_000;
    expect(await store.spend('a', WINDOW_MS)).toEqual({ count: 2, resetsInMs: 45_000 });
    expect(await store.spend('b', WINDOW_MS)).toEqual({ count: 1, resetsInMs: 60_000 });
    now += 44_999;
    expect(await store.spend('a', WINDOW_MS)).toEqual({ count: 3, resetsInMs: 1 });
  });

  it('starts a new window, from 1, once the last one has ended', async () => {
    await store.spend('a', WINDOW_MS);
    await store.spend('a', WINDOW_MS);
    now += WINDOW_MS;
    expect(await store.spend('a', WINDOW_MS)).toEqual({ count: 1, resetsInMs: 60_000 });
  });

  it('forgets the keys of ended windows', async () => {
    for (let i = 0; i < 100; i++) await store.spend(`customer-${i}`, WINDOW_MS);
    now += WINDOW_MS;
    await store.spend('late', WINDOW_MS);
    expect(store.size).toBe(1);
  });
});
