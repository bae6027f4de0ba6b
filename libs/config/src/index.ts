export { FAULT_LIMITS } from './fault-limits';
export { ConfigurationError, envBoolean, envInt, envRatio, envUrl, parseEnv } from './env-parsers';
export {
  LOG_LEVELS,
  databaseSettings,
  loggingSettings,
  postgresUrl,
  sharedEnvShape,
  simulatorSettings,
  webhookSeriesSettings,
  temporalAddress,
  workflowEngineSettings,
} from './shared-env';
export type { LogLevelName } from './shared-env';
export { serviceIdentity } from './service-identity';
export type { ServiceIdentity } from './service-identity';
