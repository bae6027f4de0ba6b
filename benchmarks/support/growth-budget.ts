/** What filling may take in all: time (every step's inserts and VACUUM ANALYZE together) and disk. */
export interface FillBudget {
  seconds: number;
  bytes: number;
}

/** 15 minutes of filling and 20 GB of database, on a 2-core machine shared with others. */
export const FILL_BUDGET: FillBudget = { seconds: 15 * 60, bytes: 20e9 };

/** Where the filling stands before the next size. */
export interface FillSoFar {
  orders: number;
  /** Seconds spent filling so far, every step included. */
  seconds: number;
  /** The last step: orders it added and the seconds it took (its rate is the estimate's). */
  lastStep: { added: number; seconds: number };
  databaseBytes: number;
  /** Free bytes of the disk PostgreSQL writes to, when known. */
  freeBytes?: number;
}

export type Verdict =
  | { fits: true; estimateS: number; estimateBytes: number }
  | { fits: false; estimateS: number; estimateBytes: number; reason: string };

/**
 * Whether growing to `target` orders stays within `budget`, estimated from the last step's rate (orders
 * per second) and the bytes per order now. A disk that has less free space than the growth needs (with a
 * tenth to spare) also stops it.
 */
export function nextSizeVerdict(target: number, soFar: FillSoFar, budget: FillBudget = FILL_BUDGET): Verdict {
  const rate = soFar.lastStep.added / Math.max(soFar.lastStep.seconds, 1e-3);
  const bytesPerOrder = soFar.databaseBytes / Math.max(soFar.orders, 1);
  const estimateS = (target - soFar.orders) / rate;
  const estimateBytes = bytesPerOrder * target;
  const growthBytes = bytesPerOrder * (target - soFar.orders);
  const at = `at ${count(soFar.orders)} orders`;
  const reasons = [
    ...(soFar.seconds + estimateS > budget.seconds
      ? [
          `filling would take about ${minutes(soFar.seconds + estimateS)} in all (${minutes(estimateS)} more at ` +
            `${count(Math.round(rate))} orders/s, the rate of the last step), over the ${minutes(budget.seconds)} budget`,
        ]
      : []),
    ...(estimateBytes > budget.bytes
      ? [
          `the database would take about ${gigabytes(estimateBytes)} (${count(Math.round(bytesPerOrder))} bytes per ` +
            `order ${at}), over the ${gigabytes(budget.bytes)} budget`,
        ]
      : []),
    ...(soFar.freeBytes !== undefined && growthBytes > soFar.freeBytes * 0.9
      ? [
          `it would need about ${gigabytes(growthBytes)} more, and the disk has ${gigabytes(soFar.freeBytes)} free`,
        ]
      : []),
  ];
  return reasons.length === 0
    ? { fits: true, estimateS, estimateBytes }
    : { fits: false, estimateS, estimateBytes, reason: reasons.join('; ') };
}

const count = (n: number) => n.toLocaleString('en-US');
const minutes = (seconds: number) =>
  seconds < 60 ? `${Math.round(seconds)} s` : `${Math.round(seconds / 60)} min`;
const gigabytes = (bytes: number) => `${(bytes / 1e9).toFixed(1)} GB`;
