import { failureTypeOf } from '@app/order-saga';
import type { Context as ActivityContext } from '@temporalio/activity';
import type {
  ActivityExecuteInput,
  ActivityInboundCallsInterceptor,
  ActivityInterceptorsFactory,
  Next,
} from '@temporalio/worker';
import type { Histogram } from 'prom-client';

/** Measures every activity attempt the worker executes, with the same metric the inline engine uses. */
export class ActivityMetricsInterceptor implements ActivityInboundCallsInterceptor {
  constructor(
    private readonly context: ActivityContext,
    private readonly durations: Histogram<string>,
  ) {}

  async execute(
    input: ActivityExecuteInput,
    next: Next<ActivityInboundCallsInterceptor, 'execute'>,
  ): Promise<unknown> {
    const stop = this.durations.startTimer({ activity: this.context.info.activityType, engine: 'temporal' });
    try {
      const result = await next(input);
      stop({ outcome: 'completed' });
      return result;
    } catch (error) {
      stop({ outcome: failureTypeOf(error) ?? 'error' });
      throw error;
    }
  }
}

export function activityMetricsInterceptors(durations: Histogram<string>): ActivityInterceptorsFactory {
  return (context) => ({ inbound: new ActivityMetricsInterceptor(context, durations) });
}
