/** A step attempt that did not finish within its start-to-close timeout: an infrastructure failure. */
export class ActivityTimeoutError extends Error {
  override readonly name = 'ActivityTimeoutError';
  readonly type = 'ActivityTimeout';
  constructor(ms: number) {
    super(`activity did not finish within ${ms} ms`);
  }
}

/** Rejects with `ActivityTimeoutError` when `work` takes longer than `ms` (the work itself goes on). */
export async function withStepTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ActivityTimeoutError(ms)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
