/**
 * Observability of a measured API. `on`: metrics served on METRICS_PORT, every request traced and exported
 * over OTLP/HTTP to `otlpEndpoint`, logs at `info`. `off`: `METRICS_ENABLED=false`, `OTEL_SDK_DISABLED=true`,
 * `LOG_LEVEL=silent`.
 */
export type Observability = { kind: 'on'; otlpEndpoint: string } | { kind: 'off' };

/** An API measured under load: a benchmark's, or one whose CPU is profiled; `name` tells its runs apart. */
export type MeasuredProfile =
  | { kind: 'benchmark'; name: string; observability: Observability }
  | { kind: 'profile'; name: string; observability: Observability };

/**
 * What an API process is started for. `test`: it logs the address it listens on (PORT=0) and the
 * simulated providers answer in 5 ms. Measured profiles: the simulated providers answer at once, so the
 * application and the database are what is measured.
 */
export type ApiProfile = { kind: 'test' } | MeasuredProfile;

/**
 * The API's environment for `profile`, before what the caller adds: its database (DATABASE_URL), its
 * signing key (AUTH_LOCAL_KEY_FILE), and for measured profiles its ports (PORT, METRICS_PORT).
 */
export function apiEnv(profile: ApiProfile): Record<string, string> {
  if (profile.kind === 'test')
    return {
      HOST: '127.0.0.1',
      PORT: '0',
      METRICS_PORT: '0',
      LOG_LEVEL: 'info', // the launcher reads the address from the `listening on` line
      SHUTDOWN_READINESS_DRAIN_MS: '300',
      PAYMENT_SIM_LATENCY_MS: '5',
      CARRIER_SIM_LATENCY_MS: '5',
    };
  return {
    HOST: '127.0.0.1',
    PAYMENT_SIM_LATENCY_MS: '0',
    CARRIER_SIM_LATENCY_MS: '0',
    SHUTDOWN_READINESS_DRAIN_MS: '0',
    // Several APIs may share one database: none picks up another's unfinished orders, and none
    // takes the inline engine's lease (which would refuse the second).
    INLINE_RESUME_ON_START: 'false',
    INLINE_ENGINE_EXCLUSIVE: 'false',
    OTEL_SERVICE_NAME: `orders-api-${profile.kind === 'benchmark' ? 'bench' : 'profile'}-${profile.name}`,
    ORDER_RATE_LIMIT_PER_MINUTE:
      profile.kind === 'benchmark'
        ? // Measured (every POST /orders is counted), never reached: benchmarks place orders by thousands.
          '1000000'
        : // Off: a CPU profile's one customer places every order, and only the route's own work is in it.
          '0',
    ...observabilityEnv(profile.observability),
  };
}

function observabilityEnv(observability: Observability): Record<string, string> {
  return observability.kind === 'on'
    ? {
        METRICS_ENABLED: 'true',
        OTEL_TRACES_SAMPLER: 'always_on',
        OTEL_EXPORTER_OTLP_ENDPOINT: observability.otlpEndpoint,
        LOG_LEVEL: 'info',
      }
    : { METRICS_ENABLED: 'false', OTEL_SDK_DISABLED: 'true', LOG_LEVEL: 'silent' };
}

/** The worker's environment in tests, before its database and Temporal settings. */
export const WORKER_TEST_ENV: Readonly<Record<string, string>> = {
  METRICS_PORT: '0',
  TEMPORAL_METRICS_PORT: '0',
  LOG_LEVEL: 'info',
  SHUTDOWN_READINESS_DRAIN_MS: '300',
  PAYMENT_SIM_LATENCY_MS: '5',
  CARRIER_SIM_LATENCY_MS: '5',
};
