/** The module options with every default applied. */
export const RESOLVED_OPTIONS = Symbol('OBSERVABILITY_RESOLVED_OPTIONS');

/** `boolean`: whether metrics are on (`metrics.enabled`), for providers of other modules that record metrics. */
export const METRICS_ENABLED = Symbol('OBSERVABILITY_METRICS_ENABLED');
