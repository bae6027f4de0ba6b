/** How the kept order counts are maintained by the API replica that holds the database gauges lease. */
export interface OrderStatusCountsSettings {
  /**
   * How often the kept counts are compared with a count of every order, and corrected: the one thing that
   * still reads every order. Counted from the last reconciliation by any replica. @default 3600
   */
  reconcileIntervalSeconds?: number;
  /** How often the deltas written by the order changes are folded into the totals. @default 10000 */
  foldIntervalMs?: number;
}

export const ORDER_STATUS_COUNTS_DEFAULTS = {
  reconcileIntervalSeconds: 3_600,
  foldIntervalMs: 10_000,
} as const satisfies Required<OrderStatusCountsSettings>;

export const ORDER_STATUS_COUNTS_SETTINGS = Symbol('ORDER_STATUS_COUNTS_SETTINGS');
