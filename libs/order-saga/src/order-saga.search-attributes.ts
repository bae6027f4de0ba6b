import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * The custom search attributes each order's workflow carries, so that Temporal's visibility can find
 * a customer's workflows and the stuck ones, for example
 * `temporal workflow list --query "CustomerId = 'c-42'"` or
 * `temporal workflow list --query "ExecutionStatus = 'Running' AND OrderStatusChangedAt < '2026-12-05T10:00:00Z'"`.
 * The client sets all four when it starts the workflow; the workflow keeps the status and its time current.
 * A namespace must have them registered (the worker registers those that are missing on start).
 */
export const ORDER_SEARCH_ATTRIBUTES = {
  status: defineSearchAttributeKey('OrderStatus', SearchAttributeType.KEYWORD),
  statusChangedAt: defineSearchAttributeKey('OrderStatusChangedAt', SearchAttributeType.DATETIME),
  customerId: defineSearchAttributeKey('CustomerId', SearchAttributeType.KEYWORD),
  total: defineSearchAttributeKey('OrderTotal', SearchAttributeType.INT),
} as const;

/** What the client knows of the order when it starts (or restarts) its workflow. */
export interface OrderSearchFacts {
  customerId: string;
  /** In minor units. */
  total: number;
  status: string;
  statusChangedAt: Date;
}

/** The search attributes of a workflow started for an order in this state. */
export function orderSearchAttributes(facts: OrderSearchFacts) {
  return [
    { key: ORDER_SEARCH_ATTRIBUTES.status, value: facts.status },
    { key: ORDER_SEARCH_ATTRIBUTES.statusChangedAt, value: facts.statusChangedAt },
    { key: ORDER_SEARCH_ATTRIBUTES.customerId, value: facts.customerId },
    { key: ORDER_SEARCH_ATTRIBUTES.total, value: facts.total },
  ];
}
