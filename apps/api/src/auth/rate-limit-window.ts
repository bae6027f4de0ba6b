/** A quota policy: at most `quota` requests per window of `windowSeconds`. */
export interface RateLimitPolicy {
  /** Its name in the `RateLimit-Policy` and `RateLimit` fields. */
  name: string;
  quota: number;
  windowSeconds: number;
}

/** What a store answers when a request is counted: the requests counted in the key's current window. */
export interface WindowCount {
  /** Counted so far in this window, this request included (refused ones too). */
  count: number;
  /** Time left until the window ends and the count starts again from 0. */
  resetsInMs: number;
}

/**
 * Counts requests per key in fixed windows: the first request of a key starts its window, which ends
 * `windowMs` later. Answers undefined when it could not count (the request is then served unlimited).
 */
export interface RateLimitStore {
  spend(key: string, windowMs: number): Promise<WindowCount | undefined>;
  /** Releases its connections; no request is counted after it. */
  close(): Promise<void>;
}

/** Where a caller stands after a request was counted. */
export interface AllowanceState {
  /** The request is within the quota. */
  allowed: boolean;
  /** Requests still allowed in this window (0 when exhausted). */
  remaining: number;
  /** Whole seconds until the window ends, rounded up: from 1 to the window's length. */
  resetSeconds: number;
}

/** The state of a policy's allowance once a request has been counted in `window`. */
export function allowanceState(policy: RateLimitPolicy, window: WindowCount): AllowanceState {
  return {
    allowed: window.count <= policy.quota,
    remaining: Math.max(0, policy.quota - window.count),
    resetSeconds: Math.min(policy.windowSeconds, Math.max(1, Math.ceil(window.resetsInMs / 1000))),
  };
}
