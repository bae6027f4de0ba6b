import { readFileSync } from 'node:fs';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { bundleWorkflowCode, Worker, type History, type Logger } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { installTemporalRuntime } from '../src/temporal-runtime';
import { DEFAULT_WORKFLOWS_PATH, WORKFLOW_INTERCEPTOR_MODULES } from '../src/workflow-code';
import { REPO_ROOT } from '../../../tooling/repo-root';

const FIXTURES = path.join(__dirname, 'fixtures');

interface HistoryJson {
  events: Array<Record<string, any>>;
}

/** Committed histories, recorded from a real Temporal server by `npm run workflow:history`. */
function loadHistoryJson(file: string): HistoryJson {
  return JSON.parse(readFileSync(path.join(FIXTURES, file), 'utf8')) as HistoryJson;
}

function workflowIdOf(history: HistoryJson): string {
  return history.events[0].workflowExecutionStartedEventAttributes.workflowId as string;
}

const silent: Logger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

// The histories were recorded under the workflow's earlier type name, orderFulfilmentWorkflow, which the
// bundle still exports: workflows started before the rename keep replaying.
describe('orderSagaWorkflow replay (Worker.runReplayHistory on histories recorded from a real server)', () => {
  let workflowBundle: { code: string };

  beforeAll(async () => {
    installTemporalRuntime('warn'); // the replay worker's state changes are INFO noise here
    // Bundled once for every replay below; Worker.runReplayHistory({ workflowsPath }) would bundle each time.
    workflowBundle = await bundleWorkflowCode({
      workflowsPath: path.join(REPO_ROOT, DEFAULT_WORKFLOWS_PATH),
      // Exactly what ships: the production bundle includes the OpenTelemetry workflow interceptors.
      workflowInterceptorModules: WORKFLOW_INTERCEPTOR_MODULES,
      logger: silent,
    });
  });

  const replay = (history: HistoryJson | History, workflowId: string) =>
    Worker.runReplayHistory({ workflowBundle }, history, workflowId);

  it.each([
    ['order-saga.completed.history.json', 'reserve → charge → ship → complete'],
    ['order-saga.payment-declined.history.json', 'reserve → charge declined → refund → release → failOrder'],
    [
      'order-saga.shipping-failed.history.json',
      'reserve → charge → ship (retried, failed) → refund → release → failOrder',
    ],
    ['order-saga.cancelled.history.json', 'reserve → charge, cancel signal → refund → release → cancel'],
  ])('replays %s (%s) without a determinism error', async (file) => {
    const json = loadHistoryJson(file);
    await expect(replay(historyFromJSON(json), workflowIdOf(json))).resolves.toBeUndefined();
  });

  it('the happy-path fixture records the four activities in saga order and a COMPLETED result', () => {
    const events = loadHistoryJson('order-saga.completed.history.json').events;
    const scheduled = events.flatMap((e) =>
      e.activityTaskScheduledEventAttributes ? [e.activityTaskScheduledEventAttributes] : [],
    );
    expect(scheduled.map((a) => [a.activityId, a.activityType.name])).toEqual([
      ['1', 'reserveInventory'],
      ['2', 'chargePayment'],
      ['3', 'arrangeShipping'],
      ['4', 'completeOrder'],
    ]);
    const completed = events.at(-1)!.workflowExecutionCompletedEventAttributes;
    const result = JSON.parse(Buffer.from(completed.result.payloads[0].data, 'base64').toString('utf8'));
    expect(result).toMatchObject({ outcome: 'COMPLETED', failureReason: null });
  });

  it.each([
    [
      'order-saga.payment-declined.history.json',
      ['reserveInventory', 'chargePayment', 'refundPayment', 'releaseInventory', 'failOrder'],
    ],
    [
      'order-saga.shipping-failed.history.json',
      [
        'reserveInventory',
        'chargePayment',
        'arrangeShipping',
        'refundPayment',
        'releaseInventory',
        'failOrder',
      ],
    ],
    [
      'order-saga.cancelled.history.json',
      ['reserveInventory', 'chargePayment', 'refundPayment', 'releaseInventory', 'cancelOrder'],
    ],
  ])('%s schedules the compensations in reverse: %j', (file, activities) => {
    const events = loadHistoryJson(file).events;
    const scheduled = events.flatMap((e) =>
      e.activityTaskScheduledEventAttributes
        ? [e.activityTaskScheduledEventAttributes.activityType.name]
        : [],
    );
    expect(scheduled).toEqual(activities);
    const signalled = events.some((e) => e.eventType === 'EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED');
    expect(signalled).toBe(file.includes('cancelled'));
  });

  it('throws DeterminismViolationError when the history scheduled a different first activity', async () => {
    const json = structuredClone(loadHistoryJson('order-saga.completed.history.json'));
    const first = json.events.find(
      (e) => e.activityTaskScheduledEventAttributes,
    )!.activityTaskScheduledEventAttributes;
    first.activityType.name = 'chargePayment';

    const outcome = replay(historyFromJSON(json), workflowIdOf(json));
    await expect(outcome).rejects.toBeInstanceOf(DeterminismViolationError);
    await expect(outcome).rejects.toThrow(
      /Activity type of scheduled event 'chargePayment' does not match .* 'reserveInventory'/,
    );
  });
});
