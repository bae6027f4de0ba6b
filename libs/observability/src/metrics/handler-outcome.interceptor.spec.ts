import type { CallHandler, ExecutionContext } from '@nestjs/common';
import { Counter, Registry } from 'prom-client';
import { lastValueFrom, of, throwError } from 'rxjs';
import type { ResolvedObservabilityOptions } from '../observability.options';
import { setHandlerOutcome } from './handler-outcome';
import { HandlerOutcomeInterceptor, MAX_BOUND_OUTCOME_SERIES } from './handler-outcome.interceptor';

class OrdersController {
  place() {}
  get() {}
}
class ReturnsController extends OrdersController {}

/** An interceptor counting into a registry of its own; `run` passes one handler run through it. */
function interceptor() {
  const registry = new Registry();
  const outcomes = new Counter({
    name: 'http_handler_outcomes_total',
    help: 'h',
    labelNames: ['handler', 'outcome'],
    registers: [registry],
  });
  const options = {
    metrics: { enabled: true, failureOutcomeOf: (error: unknown) => (error as Error).message },
  } as unknown as ResolvedObservabilityOptions;
  const interceptor = new HandlerOutcomeInterceptor(options, outcomes);
  const run = async (controller: object, handler: object, failure?: string, named?: string) => {
    const request = {};
    const execution = {
      getType: () => 'http',
      getClass: () => controller,
      getHandler: () => handler,
      switchToHttp: () => ({ getRequest: () => request }),
    } as unknown as ExecutionContext;
    const next: CallHandler = {
      handle: () => {
        if (named) setHandlerOutcome(request, named);
        return failure ? throwError(() => new Error(failure)) : of('done');
      },
    };
    await lastValueFrom(interceptor.intercept(execution, next)).catch(() => undefined);
  };
  return { registry, outcomes, interceptor, run };
}

async function lines(registry: Registry): Promise<string[]> {
  return ((await registry.metrics()).match(/^http_handler_outcomes_total\{.*$/gm) ?? []).sort();
}

describe('HandlerOutcomeInterceptor: handler runs by handler and domain outcome', () => {
  it('counts each (handler, outcome) in its series, an inherited method once per controller', async () => {
    const { registry, run } = interceptor();
    const { place, get } = OrdersController.prototype;
    for (let i = 0; i < 5; i++) await run(OrdersController, place);
    for (let i = 0; i < 3; i++) await run(OrdersController, place, 'OUT_OF_STOCK');
    for (let i = 0; i < 2; i++) await run(OrdersController, place, undefined, 'IDEMPOTENT_REPLAY');
    await run(OrdersController, get);
    await run(ReturnsController, get);
    await run(ReturnsController, get, 'NOT_FOUND');
    expect(await lines(registry)).toEqual([
      'http_handler_outcomes_total{handler="OrdersController.get",outcome="OK"} 1',
      'http_handler_outcomes_total{handler="OrdersController.place",outcome="IDEMPOTENT_REPLAY"} 2',
      'http_handler_outcomes_total{handler="OrdersController.place",outcome="OK"} 5',
      'http_handler_outcomes_total{handler="OrdersController.place",outcome="OUT_OF_STOCK"} 3',
      'http_handler_outcomes_total{handler="ReturnsController.get",outcome="NOT_FOUND"} 1',
      'http_handler_outcomes_total{handler="ReturnsController.get",outcome="OK"} 1',
    ]);
  });

  it(`binds ${MAX_BOUND_OUTCOME_SERIES} series at most, and counts the others all the same`, async () => {
    const { registry, interceptor: bound, run } = interceptor();
    const outcomes = Array.from({ length: MAX_BOUND_OUTCOME_SERIES + 10 }, (_, i) => `FAILED_${i}`);
    for (const outcome of [...outcomes, ...outcomes.slice(0, 5), ...outcomes.slice(-5)]) {
      await run(OrdersController, OrdersController.prototype.place, outcome);
    }
    expect((bound as unknown as { boundSeries: number }).boundSeries).toBe(MAX_BOUND_OUTCOME_SERIES);
    const counted = await lines(registry);
    expect(counted).toHaveLength(outcomes.length);
    expect(counted).toContain(
      'http_handler_outcomes_total{handler="OrdersController.place",outcome="FAILED_0"} 2',
    );
    expect(counted).toContain(
      `http_handler_outcomes_total{handler="OrdersController.place",outcome="${outcomes.at(-1)}"} 2`,
    );
    expect(counted).toContain(
      'http_handler_outcomes_total{handler="OrdersController.place",outcome="FAILED_100"} 1',
    );
  });
});
