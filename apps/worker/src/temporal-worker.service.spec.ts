import { StandaloneMetrics } from '@app/observability';
import { ORDER_SAGA_ACTIVITY_NAMES } from '@app/order-saga';
import { SagaStepTelemetry, type OrderSagaActivitiesService, type OrdersRepository } from '@app/orders';
import { Logger } from '@nestjs/common';
import { NativeConnection, Worker, type State, type WorkerOptions } from '@temporalio/worker';
import type { TemporalWorkerOptions } from './temporal-worker.options';
import { TemporalWorkerService } from './temporal-worker.service';

/**
 * The service's own lifecycle logic (drain before the database closes, exit on an unexpected stop),
 * with the Temporal connection and Worker replaced: no server can run here. The real Worker is
 * exercised by temporal-live.e2e-spec.ts when TEMPORAL_ADDRESS is set.
 */
function fakeWorker() {
  let state: State = 'INITIALIZED';
  let finish: { resolve: () => void; reject: (error: Error) => void } | undefined;
  const events: string[] = [];
  const worker = {
    getState: () => state,
    run: jest.fn(
      () =>
        new Promise<void>((resolve, reject) => {
          state = 'RUNNING';
          finish = {
            resolve: () => {
              state = 'STOPPED';
              events.push('run settled');
              resolve();
            },
            reject: (error) => {
              state = 'FAILED';
              reject(error);
            },
          };
        }),
    ),
    shutdown: jest.fn(() => {
      state = 'DRAINING';
      events.push('shutdown requested');
      setTimeout(() => finish!.resolve(), 20); // in-flight activities finishing
    }),
  };
  return { worker, events, fail: (error: Error) => finish!.reject(error) };
}

const OPTIONS: TemporalWorkerOptions = {
  address: 'temporal:7233',
  namespace: 'orders-ns',
  taskQueue: 'orders-q',
  maxConcurrentActivities: 7,
  shutdownGraceMs: 1234,
  workflowsPath: '/srv/workflows.ts',
  logLevel: 'warn',
  sdkMetricsAddress: null,
};

const metrics = new StandaloneMetrics();
const steps = new SagaStepTelemetry(
  metrics.histogram({
    name: 'test_activity_duration_seconds',
    help: 'test',
    labelNames: ['activity', 'outcome', 'engine'],
  }),
  metrics.counter({ name: 'test_saga_steps_total', help: 'test', labelNames: ['step', 'outcome'] }),
  { recordStepAttempt: async () => undefined } as unknown as OrdersRepository,
);

describe('TemporalWorkerService (Temporal connection and Worker faked)', () => {
  const connection = {
    close: jest.fn(async () => undefined),
    // The order search attributes are registered already.
    operatorService: {
      listSearchAttributes: async () => ({
        customAttributes: { OrderStatus: 2, OrderStatusChangedAt: 6, CustomerId: 2, OrderTotal: 3 },
      }),
    },
  };
  const activitiesService = Object.fromEntries(
    ORDER_SAGA_ACTIVITY_NAMES.map((name) => [name, jest.fn(async () => name)]),
  ) as unknown as OrderSagaActivitiesService;
  let fake: ReturnType<typeof fakeWorker>;
  let create: jest.SpyInstance;
  let onFatalError: jest.Mock;

  beforeAll(() => Logger.overrideLogger(false));
  afterAll(() => Logger.overrideLogger(['log', 'error', 'warn', 'debug', 'verbose', 'fatal']));

  beforeEach(() => {
    fake = fakeWorker();
    onFatalError = jest.fn();
    jest.spyOn(NativeConnection, 'connect').mockResolvedValue(connection as unknown as NativeConnection);
    create = jest.spyOn(Worker, 'create').mockResolvedValue(fake.worker as unknown as Worker);
  });

  afterEach(() => {
    jest.restoreAllMocks();
    connection.close.mockClear();
  });

  const start = async () => {
    const service = new TemporalWorkerService({ ...OPTIONS, onFatalError }, activitiesService, steps);
    await service.onApplicationBootstrap();
    return service;
  };

  it('creates the worker from the options, with one activity per saga step, and starts polling', async () => {
    const service = await start();

    expect(NativeConnection.connect).toHaveBeenCalledWith({ address: 'temporal:7233' });
    const options = create.mock.calls[0][0] as WorkerOptions;
    expect(options).toMatchObject({
      connection,
      namespace: 'orders-ns',
      taskQueue: 'orders-q',
      workflowsPath: '/srv/workflows.ts',
      maxConcurrentActivityTaskExecutions: 7,
      shutdownGraceTime: 1234,
    });
    expect(Object.keys(options.activities!).sort()).toEqual([...ORDER_SAGA_ACTIVITY_NAMES].sort());
    await expect((options.activities as Record<string, () => Promise<string>>).chargePayment()).resolves.toBe(
      'chargePayment',
    );
    expect(fake.worker.run).toHaveBeenCalledTimes(1);
    expect(service.isRunning()).toBe(true);
  });

  it('drains before the app closes anything else: shutdown, then waits for run() to settle', async () => {
    const service = await start();

    await service.beforeApplicationShutdown();
    fake.events.push('beforeApplicationShutdown resolved');
    await service.onApplicationShutdown();

    expect(fake.events).toEqual(['shutdown requested', 'run settled', 'beforeApplicationShutdown resolved']);
    expect(connection.close).toHaveBeenCalledTimes(1);
    expect(onFatalError).not.toHaveBeenCalled();
    expect(service.state()).toBe('STOPPED');
  });

  it('treats a run() failure outside shutdown as fatal (the process must exit to be restarted)', async () => {
    const service = await start();
    const boom = new Error('lost the task queue');

    fake.fail(boom);
    await new Promise((resolve) => setImmediate(resolve));

    expect(onFatalError).toHaveBeenCalledWith(boom);
    expect(service.isRunning()).toBe(false);
  });

  it('closes the connection when the worker cannot be created', async () => {
    create.mockRejectedValueOnce(new Error('bad workflow bundle'));
    const service = new TemporalWorkerService({ ...OPTIONS, onFatalError }, activitiesService, steps);

    await expect(service.onApplicationBootstrap()).rejects.toThrow('bad workflow bundle');
    expect(connection.close).toHaveBeenCalledTimes(1);
  });

  it('names the address when Temporal is unreachable', async () => {
    jest.spyOn(NativeConnection, 'connect').mockRejectedValueOnce(new Error('tcp connect error'));
    const service = new TemporalWorkerService({ ...OPTIONS, onFatalError }, activitiesService, steps);

    await expect(service.onApplicationBootstrap()).rejects.toThrow(
      'Cannot connect to Temporal at temporal:7233: tcp connect error',
    );
  });
});
