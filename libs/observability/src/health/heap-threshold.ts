/** The heap threshold of readiness when the container's memory limit is not known. */
export const DEFAULT_HEAP_USED_THRESHOLD_BYTES = 1.5 * 1024 ** 3;

/** The share of a known memory limit the V8 heap may use before readiness fails. */
export const DEFAULT_HEAP_USED_LIMIT_RATIO = 0.7;

/**
 * The heap threshold of readiness: `ratio` of the container's memory limit when it is known, else the
 * fixed default.
 */
export function heapThresholdForLimit(memoryLimitBytes: number | undefined, ratio: number): number {
  if (!(ratio > 0 && ratio <= 1)) throw new RangeError(`heapUsedLimitRatio must be in (0, 1], got ${ratio}`);
  if (memoryLimitBytes === undefined) return DEFAULT_HEAP_USED_THRESHOLD_BYTES;
  return Math.floor(memoryLimitBytes * ratio);
}
