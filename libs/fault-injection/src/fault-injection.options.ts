import type { FaultSettings } from './fault-settings';

export const FAULT_INJECTION_OPTIONS = Symbol('FAULT_INJECTION_OPTIONS');

export interface FaultInjectionOptions {
  /** The configured faults (environment); run-time overrides apply on top. */
  baseline: FaultSettings;
  /** How often each process re-reads the shared overrides, in milliseconds. @default 2000 */
  refreshIntervalMs: number;
}
