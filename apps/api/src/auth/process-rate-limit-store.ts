import type { RateLimitStore, WindowCount } from './rate-limit-window';

interface Window {
  count: number;
  endsAt: number;
}

/**
 * Counts in this process's memory: exact for one process, per replica otherwise. Windows that have
 * ended are forgotten at most one window length later, so memory holds the keys of about two windows.
 */
export class ProcessRateLimitStore implements RateLimitStore {
  private readonly windows = new Map<string, Window>();
  private nextSweepAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly now: () => number = Date.now) {}

  spend(key: string, windowMs: number): Promise<WindowCount> {
    const now = this.now();
    if (now >= this.nextSweepAt) this.sweep(now, windowMs);
    let window = this.windows.get(key);
    if (!window || window.endsAt <= now) {
      window = { count: 0, endsAt: now + windowMs };
      this.windows.set(key, window);
    }
    window.count++;
    return Promise.resolve({ count: window.count, resetsInMs: window.endsAt - now });
  }

  /** Keys whose window is still running. */
  get size(): number {
    return this.windows.size;
  }

  close(): Promise<void> {
    this.windows.clear();
    return Promise.resolve();
  }

  private sweep(now: number, windowMs: number): void {
    for (const [key, window] of this.windows) if (window.endsAt <= now) this.windows.delete(key);
    this.nextSweepAt = now + windowMs;
  }
}
