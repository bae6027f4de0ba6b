export { DatabaseLatencySubscriber } from './database-latency.subscriber';
export { FAULT_METRICS } from './fault-injection.metrics';
export { FaultInjectionModule } from './fault-injection.module';
export type { FaultInjectionOptions, FaultTarget, FaultTargets } from './fault-injection.options';
export { FaultInjectionService } from './fault-injection.service';
export type { FaultInjectionState } from './fault-injection.service';
export { FaultOverridesEntity } from './fault-overrides.entity';
export {
  activeFaults,
  applyOverrides,
  DATABASE_FAULT_DEFAULTS,
  FAULT_NAMES,
  HEALTHY_SETTINGS,
  sanitizeOverrides,
} from './fault-settings';
export type { DatabaseFaultSettings, FaultName, FaultOverrides, FaultSettings } from './fault-settings';
