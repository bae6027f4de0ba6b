// Writes the event histories the worker's replay test feeds to Worker.runReplayHistory, in the JSON form
// `temporal workflow show --output json` produces (and historyFromJSON reads). No Temporal server can
// record one on the build machines, so the events are written out here, exactly as a 1.24 worker and
// server produce them for orderFulfilmentWorkflow. Output is deterministic: re-running changes nothing.
//
//   node scripts/generate-replay-history.js   →   apps/worker/test/fixtures/order-fulfilment.*.history.json
//
// Replace these with histories downloaded from a real cluster when one is available.
const fs = require('node:fs');
const path = require('node:path');
const { Buffer } = require('node:buffer');

const FIXTURES = path.resolve(__dirname, '../apps/worker/test/fixtures');
const TASK_QUEUE = { name: 'orders', kind: 'TASK_QUEUE_KIND_NORMAL' };
const WORKER_IDENTITY = '1@orders-worker';
const START = Date.parse('2026-01-15T10:00:00.000Z');

// Mirrors ORDER_SAGA_ACTIVITY_OPTIONS (libs/order-saga); replay does not compare timeouts or retry policies.
const FORWARD = {
  startToCloseTimeout: '15s',
  retryPolicy: {
    initialInterval: '0.250s',
    backoffCoefficient: 2,
    maximumInterval: '5s',
    maximumAttempts: 4,
    nonRetryableErrorTypes: ['OUT_OF_STOCK', 'PAYMENT_DECLINED', 'ORDER_CANCELLED'],
  },
};
// No maximumAttempts: unlimited (the server's default), how the SDK sends a policy without the field.
const COMPENSATION = {
  startToCloseTimeout: '15s',
  retryPolicy: { initialInterval: '0.500s', backoffCoefficient: 2, maximumInterval: '30s' },
};
const ACTIVITY_OPTIONS = {
  reserveInventory: FORWARD,
  chargePayment: FORWARD,
  arrangeShipping: FORWARD,
  releaseInventory: COMPENSATION,
  refundPayment: COMPENSATION,
  completeOrder: COMPENSATION,
  failOrder: COMPENSATION,
  cancelOrder: COMPENSATION,
};

const b64 = (text) => Buffer.from(text, 'utf8').toString('base64');

/** A payload as the default data converter writes it: `undefined` is binary/null, anything else JSON. */
function payload(value) {
  if (value === undefined) return { metadata: { encoding: b64('binary/null') } };
  return { metadata: { encoding: b64('json/plain') }, data: b64(JSON.stringify(value)) };
}

/** Builds a history event by event; ids, task ids and timestamps increase like a server's. */
class HistoryBuilder {
  constructor() {
    this.events = [];
    this.activitySeq = 0;
    this.firstWorkflowTask = true;
  }

  add(eventType, attributesKey, attributes) {
    const eventId = this.events.length + 1;
    this.events.push({
      eventId: String(eventId),
      eventTime: new Date(START + eventId * 10).toISOString(),
      eventType,
      taskId: String(1048576 + eventId),
      [attributesKey]: attributes,
    });
    return String(eventId);
  }

  started(workflowId, runId, input) {
    this.add('EVENT_TYPE_WORKFLOW_EXECUTION_STARTED', 'workflowExecutionStartedEventAttributes', {
      workflowType: { name: 'orderFulfilmentWorkflow' },
      taskQueue: TASK_QUEUE,
      input: { payloads: [payload(input)] },
      workflowExecutionTimeout: '0s',
      workflowRunTimeout: '0s',
      workflowTaskTimeout: '10s',
      originalExecutionRunId: runId,
      identity: '1@orders-api',
      firstExecutionRunId: runId,
      attempt: 1,
      firstWorkflowTaskBackoff: '0s',
      header: {},
      workflowId,
    });
  }

  /** One workflow task: scheduled, started, completed. Returns the completed event's id. */
  workflowTask() {
    const scheduledEventId = this.add(
      'EVENT_TYPE_WORKFLOW_TASK_SCHEDULED',
      'workflowTaskScheduledEventAttributes',
      {
        taskQueue: TASK_QUEUE,
        startToCloseTimeout: '10s',
        attempt: 1,
      },
    );
    const startedEventId = this.add(
      'EVENT_TYPE_WORKFLOW_TASK_STARTED',
      'workflowTaskStartedEventAttributes',
      {
        scheduledEventId,
        identity: WORKER_IDENTITY,
        requestId: `wft-request-${scheduledEventId}`,
        historySizeBytes: String(400 * this.events.length),
      },
    );
    const completed = { scheduledEventId, startedEventId, identity: WORKER_IDENTITY, meteringMetadata: {} };
    if (this.firstWorkflowTask) {
      // Core flag 1 (IdAndTypeDeterminismChecks): replay compares activity ids and types with the history.
      completed.sdkMetadata = { coreUsedFlags: [1], sdkName: 'temporal-typescript', sdkVersion: '1.24.0' };
      this.firstWorkflowTask = false;
    }
    return this.add('EVENT_TYPE_WORKFLOW_TASK_COMPLETED', 'workflowTaskCompletedEventAttributes', completed);
  }

  /** The workflow's next proxied activity call (seq → activityId "1", "2", …), run by the worker. */
  activity(workflowTaskCompletedEventId, activityType, args, outcome) {
    const options = ACTIVITY_OPTIONS[activityType];
    const scheduledEventId = this.add(
      'EVENT_TYPE_ACTIVITY_TASK_SCHEDULED',
      'activityTaskScheduledEventAttributes',
      {
        activityId: String(++this.activitySeq),
        activityType: { name: activityType },
        taskQueue: TASK_QUEUE,
        header: {},
        input: { payloads: args.map(payload) },
        scheduleToCloseTimeout: '0s',
        scheduleToStartTimeout: '0s',
        startToCloseTimeout: options.startToCloseTimeout,
        heartbeatTimeout: '0s',
        workflowTaskCompletedEventId,
        retryPolicy: options.retryPolicy,
      },
    );
    const startedEventId = this.add(
      'EVENT_TYPE_ACTIVITY_TASK_STARTED',
      'activityTaskStartedEventAttributes',
      {
        scheduledEventId,
        identity: WORKER_IDENTITY,
        requestId: `activity-request-${scheduledEventId}`,
        attempt: 1,
      },
    );
    if (outcome.failure) {
      this.add('EVENT_TYPE_ACTIVITY_TASK_FAILED', 'activityTaskFailedEventAttributes', {
        failure: outcome.failure,
        scheduledEventId,
        startedEventId,
        identity: WORKER_IDENTITY,
        retryState: 'RETRY_STATE_NON_RETRYABLE_FAILURE',
      });
    } else {
      this.add('EVENT_TYPE_ACTIVITY_TASK_COMPLETED', 'activityTaskCompletedEventAttributes', {
        result: { payloads: [payload(outcome.result)] },
        scheduledEventId,
        startedEventId,
        identity: WORKER_IDENTITY,
      });
    }
  }

  completed(workflowTaskCompletedEventId, result) {
    this.add('EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED', 'workflowExecutionCompletedEventAttributes', {
      result: { payloads: [payload(result)] },
      workflowTaskCompletedEventId,
    });
  }
}

/**
 * The saga as the workflow runs it: each step is one workflow task that schedules the next activity.
 * `steps` lists [activityType, args, outcome]; the workflow result closes the history.
 */
function sagaHistory({ orderId, runId, steps, result }) {
  const history = new HistoryBuilder();
  history.started(`order-${orderId}`, runId, { orderId });
  for (const [activityType, args, outcome] of steps) {
    history.activity(history.workflowTask(), activityType, args, outcome);
  }
  history.completed(history.workflowTask(), result);
  return { events: history.events };
}

const ok = (result) => ({ result });

const HISTORIES = {
  'order-fulfilment.completed.history.json': (() => {
    const orderId = '0b5c1a53-5f0e-4a8e-9c1d-3f2a7d6e1c01';
    return sagaHistory({
      orderId,
      runId: 'c8d9b0f2-1f4e-4c3a-8b6d-5e7f9a0b1c01',
      steps: [
        ['reserveInventory', [orderId], ok(undefined)],
        ['chargePayment', [orderId], ok(undefined)],
        ['arrangeShipping', [orderId], ok(undefined)],
        ['completeOrder', [orderId], ok(undefined)],
      ],
      result: { orderId, outcome: 'COMPLETED', failureReason: null },
    });
  })(),
  'order-fulfilment.payment-declined.history.json': (() => {
    const orderId = '0b5c1a53-5f0e-4a8e-9c1d-3f2a7d6e1c02';
    const declined = {
      failure: {
        message: 'payment declined: card_declined',
        source: 'TypeScriptSDK',
        applicationFailureInfo: { type: 'PAYMENT_DECLINED', nonRetryable: true },
      },
    };
    return sagaHistory({
      orderId,
      runId: 'c8d9b0f2-1f4e-4c3a-8b6d-5e7f9a0b1c02',
      steps: [
        ['reserveInventory', [orderId], ok(undefined)],
        ['chargePayment', [orderId], declined],
        ['refundPayment', [orderId], ok(false)],
        ['releaseInventory', [orderId], ok(true)],
        ['failOrder', [orderId, 'PAYMENT_DECLINED'], ok(undefined)],
      ],
      result: { orderId, outcome: 'FAILED', failureReason: 'PAYMENT_DECLINED' },
    });
  })(),
};

fs.mkdirSync(FIXTURES, { recursive: true });
for (const [file, history] of Object.entries(HISTORIES)) {
  fs.writeFileSync(path.join(FIXTURES, file), `${JSON.stringify(history, null, 2)}\n`);
  console.log(`${path.relative(process.cwd(), path.join(FIXTURES, file))}: ${history.events.length} events`);
}
