export { closeOnSignals } from './lifecycle/close-on-signals';
export type { Closable } from './lifecycle/close-on-signals';
export { NEST_LOG_LEVELS } from './logging/nest-log-levels';
export type { LogLevelName } from './logging/nest-log-levels';
export { ObservabilityModule } from './observability.module';
