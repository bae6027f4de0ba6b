import type { FaultSettings } from './fault-settings';

/** Something whose behaviour the faults change: it is handed the settings in force whenever they change. */
export interface FaultTarget<Settings> {
  configure(settings: Settings): unknown;
}

/** The dependencies an app lets fault injection degrade; the database is always one. */
export interface FaultTargets {
  payment?: FaultTarget<FaultSettings['payment']>;
  carrier?: FaultTarget<FaultSettings['carrier']>;
}

export const FAULT_INJECTION_OPTIONS = Symbol('FAULT_INJECTION_OPTIONS');

export interface FaultInjectionOptions {
  /** The configured faults (environment); run-time overrides apply on top. */
  baseline: FaultSettings;
  /** How often each process re-reads the shared overrides, in milliseconds. @default 2000 */
  refreshIntervalMs: number;
  /** The simulators this app runs (its composition root creates them and hands them to their modules too). */
  targets?: FaultTargets;
}
