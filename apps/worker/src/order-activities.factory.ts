import { ORDER_SAGA_ACTIVITY_NAMES, type OrderSagaActivities } from '@app/order-saga';

/**
 * The activities object handed to the Temporal Worker: one plain function per saga activity name, bound
 * to the Nest provider. Temporal registers activities by property name, so the names must match the
 * ones the workflow proxies; taking them from ORDER_SAGA_ACTIVITY_NAMES keeps the two in step.
 */
export function createOrderActivities(service: OrderSagaActivities): OrderSagaActivities {
  return Object.fromEntries(
    ORDER_SAGA_ACTIVITY_NAMES.map((name) => [name, service[name].bind(service)]),
  ) as unknown as OrderSagaActivities;
}
