import { LOG_LINES_DROPPED_METRIC, LOG_SHIPPING_FAILURES_METRIC } from '../metrics/metric-names';

export { LOG_LINES_DROPPED_METRIC, LOG_SHIPPING_FAILURES_METRIC };

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
