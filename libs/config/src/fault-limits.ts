/**
 * Bounds of the fault switches (simulated provider and carrier, database latency), shared by the
 * environment parser, the run-time overrides and the operator API's validation, so all three agree.
 */
export const FAULT_LIMITS = {
  /** Injected latency of one provider, carrier or database call, in ms. */
  maxLatencyMs: 60_000,
  /** How long a run-time override may last before it lapses by itself, in seconds (a week). */
  maxDurationSeconds: 7 * 24 * 3600,
} as const;
