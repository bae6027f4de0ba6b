import { LOG_SHIPPING_FAILURES_METRIC } from '../metrics/metric-names';

export { LOG_SHIPPING_FAILURES_METRIC };

/** `event.dataset` of each stream, and the daily Elasticsearch index it is shipped to. */
export function logDatasets(serviceName: string, indexPrefix: string) {
  return {
    app: { dataset: serviceName, index: `${indexPrefix}-logs-%{DATE}` },
    audit: { dataset: `${serviceName}.audit`, index: `${indexPrefix}-audit-%{DATE}` },
  } as const;
}
