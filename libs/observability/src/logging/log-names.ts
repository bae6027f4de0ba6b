import { LOG_SHIPPING_FAILURES_METRIC } from '../metrics/metric-names';

export { LOG_SHIPPING_FAILURES_METRIC };

/** Log lines below `warn` that log sampling left out, by level (trace, debug, info). */
export const LOG_LINES_DROPPED_METRIC = 'log_lines_dropped_total';

/**
 * `event.dataset` of each stream, and the Elasticsearch data stream it is shipped to. Data streams let
 * the ILM policy roll the backing indices over daily (or at 50 GB) and delete them after retention
 * (see ops/elasticsearch).
 */
export function logDatasets(serviceName: string, indexPrefix = serviceName) {
  return {
    app: { dataset: serviceName, index: `${indexPrefix}-logs` },
    audit: { dataset: `${serviceName}.audit`, index: `${indexPrefix}-audit` },
  } as const;
}
