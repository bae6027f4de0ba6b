import { FAULT_LIMITS } from '@app/config';
import { SIMULATED_PAYMENT_DEFAULTS, type SimulatedPaymentSettings } from '@app/payments';
import { SIMULATED_CARRIER_DEFAULTS, type SimulatedCarrierSettings } from '@app/shipping';

/** Latency added in front of SQL statements, on the connection that runs them. */
export interface DatabaseFaultSettings {
  /** Milliseconds each affected statement is held before it is sent. @default 0 */
  latencyMs: number;
  /** Share of statements affected, 0..1. @default 1 */
  ratio: number;
}

/** Every fault that can be injected, grouped by the dependency it degrades. */
export interface FaultSettings {
  payment: SimulatedPaymentSettings;
  carrier: SimulatedCarrierSettings;
  database: DatabaseFaultSettings;
}

/** What an operator switched on at run time: any subset of the settings. */
export interface FaultOverrides {
  payment?: Partial<SimulatedPaymentSettings>;
  carrier?: Partial<SimulatedCarrierSettings>;
  database?: Partial<DatabaseFaultSettings>;
}

export const DATABASE_FAULT_DEFAULTS: DatabaseFaultSettings = { latencyMs: 0, ratio: 1 };

/** A healthy system: the simulators' defaults and no database latency. */
export const HEALTHY_SETTINGS: FaultSettings = {
  payment: SIMULATED_PAYMENT_DEFAULTS,
  carrier: SIMULATED_CARRIER_DEFAULTS,
  database: DATABASE_FAULT_DEFAULTS,
};

/** The faults reported by `fault_injection_active{fault}` and by the operator API's `active` list. */
export const FAULT_NAMES = [
  'payment_decline',
  'payment_outage',
  'payment_latency',
  'carrier_failure',
  'carrier_latency',
  'database_latency',
] as const;
export type FaultName = (typeof FAULT_NAMES)[number];

/** The settings in force: `overrides` on top of the configured `baseline`. */
export function applyOverrides(baseline: FaultSettings, overrides: FaultOverrides): FaultSettings {
  return {
    payment: { ...baseline.payment, ...overrides.payment },
    carrier: { ...baseline.carrier, ...overrides.carrier },
    database: { ...baseline.database, ...overrides.database },
  };
}

/**
 * Which faults `settings` inject, compared with a healthy system: any random decline or carrier failure,
 * an outage, provider latency above the simulators' normal 50 ms, any database latency.
 */
export function activeFaults(settings: FaultSettings): FaultName[] {
  const active: Record<FaultName, boolean> = {
    payment_decline: settings.payment.declineRate > 0,
    payment_outage: settings.payment.outage,
    payment_latency: settings.payment.latencyMs > HEALTHY_SETTINGS.payment.latencyMs,
    carrier_failure: settings.carrier.failureRate > 0,
    carrier_latency: settings.carrier.latencyMs > HEALTHY_SETTINGS.carrier.latencyMs,
    database_latency: settings.database.latencyMs > 0 && settings.database.ratio > 0,
  };
  return FAULT_NAMES.filter((name) => active[name]);
}

const RATIO = (value: unknown) => typeof value === 'number' && value >= 0 && value <= 1;
const MILLIS = (value: unknown) =>
  Number.isInteger(value) && (value as number) >= 0 && (value as number) <= FAULT_LIMITS.maxLatencyMs;
const FIELDS: Record<keyof FaultOverrides, Record<string, (value: unknown) => boolean>> = {
  payment: { latencyMs: MILLIS, declineRate: RATIO, outage: (value) => typeof value === 'boolean' },
  carrier: { latencyMs: MILLIS, failureRate: RATIO },
  database: { latencyMs: MILLIS, ratio: RATIO },
};

/**
 * Keeps only well-formed fields of overrides read back from storage, so a row written by another version
 * of the software can never inject a value the API would have refused.
 */
export function sanitizeOverrides(stored: unknown): FaultOverrides {
  const result: Record<string, Record<string, unknown>> = {};
  if (typeof stored !== 'object' || stored === null) return {};
  for (const [group, fields] of Object.entries(FIELDS)) {
    const values = (stored as Record<string, unknown>)[group];
    if (typeof values !== 'object' || values === null) continue;
    for (const [field, valid] of Object.entries(fields)) {
      const value = (values as Record<string, unknown>)[field];
      if (valid(value)) (result[group] ??= {})[field] = value;
    }
  }
  return result;
}
