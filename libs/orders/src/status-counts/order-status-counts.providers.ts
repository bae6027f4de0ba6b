import type { Provider } from '@nestjs/common';
import { OrderStatusCountsMaintenance } from './order-status-counts.maintenance';
import {
  lastReconciliationGaugeProvider,
  ordersByStatusGaugeProvider,
  reconciliationMetricProviders,
} from './order-status-counts.metrics';
import { OrderStatusCounts } from './order-status-counts.repository';
import { ORDER_STATUS_COUNTS_SETTINGS, type OrderStatusCountsSettings } from './order-status-counts.settings';

/**
 * `orders_by_status` and what keeps it cheap and right: the kept counts, their fold and reconciliation
 * (`OrderStatusCountsMaintenance`), and the reconciliation's metrics. For the app that imports
 * `DatabaseGaugesModule` (the API): its lease picks the one replica that exports, folds and reconciles.
 */
export function orderStatusCountProviders(settings: OrderStatusCountsSettings = {}): Provider[] {
  return [
    { provide: ORDER_STATUS_COUNTS_SETTINGS, useValue: settings },
    OrderStatusCounts,
    OrderStatusCountsMaintenance,
    ordersByStatusGaugeProvider,
    lastReconciliationGaugeProvider,
    ...reconciliationMetricProviders,
  ];
}
