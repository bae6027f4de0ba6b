import { MetricsServer } from '@app/observability';
import { WEBHOOK_EVENT_TYPES, WEBHOOK_METRICS } from '@app/webhooks';
import { parseExposition, valueOf, type Exposition } from '../../../../tooling/prometheus-text';
import type { WebhookReceiver } from '../../../../test/support/webhook-receiver';
import { OPERATOR, type RunningApi } from './api-harness';

/** Webhook settings for tests: http to the local receiver, fast polling, short retries, a short timeout. */
export const FAST_WEBHOOKS: Record<string, string> = {
  WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
  WEBHOOK_POLL_INTERVAL_MS: '50',
  WEBHOOK_RETRY_BASE_MS: '100',
  WEBHOOK_RETRY_MAX_DELAY_MS: '400',
  WEBHOOK_TIMEOUT_MS: '500',
  WEBHOOK_CIRCUIT_COOLDOWN_MS: '300',
  ORDER_RATE_LIMIT_PER_MINUTE: '0',
};

/** The events of an order that completes, in the order they are written. */
export const COMPLETED_ORDER_EVENTS = [
  'order.created',
  'payment.captured',
  'shipment.created',
  'order.completed',
];

/** Registers the receiver as an endpoint (all event types unless told) and hands it the secret. */
export async function registerReceiver(
  api: Pick<RunningApi, 'request'>,
  receiver: WebhookReceiver,
  eventTypes: readonly string[] = WEBHOOK_EVENT_TYPES,
): Promise<{ id: string; secret: string }> {
  const created = await api.request('POST', '/admin/webhooks', {
    as: OPERATOR,
    body: { url: receiver.url, eventTypes, description: 'test receiver' },
  });
  if (created.status !== 201) throw new Error(`registration failed: ${created.status} ${created.text}`);
  receiver.secret = created.body.secret;
  return created.body;
}

/** The API's metrics on its management port. */
export async function scrape(api: RunningApi): Promise<Exposition> {
  const port = api.app.get(MetricsServer).port();
  return parseExposition(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text());
}

/** `/debug/vars` on the management port. */
export async function debugVars(api: RunningApi): Promise<any> {
  const port = api.app.get(MetricsServer).port();
  return (await fetch(`http://127.0.0.1:${port}/debug/vars`)).json();
}

/** One endpoint's webhook metrics, as the notification-endpoint model counts them. */
export function endpointMetrics(metrics: Exposition, endpoint: string) {
  const at = (name: string, labels: Record<string, string> = {}) =>
    valueOf(metrics, name, { endpoint, ...labels });
  return {
    events: at(WEBHOOK_METRICS.events),
    pending: at(WEBHOOK_METRICS.pending),
    successes: at(WEBHOOK_METRICS.attempts, { result: 'success' }),
    failures: at(WEBHOOK_METRICS.attempts, { result: 'failure' }),
    errors: at(WEBHOOK_METRICS.attempts, { result: 'error' }),
    statuses: Object.fromEntries(
      metrics.samples
        .filter((s) => s.name === WEBHOOK_METRICS.responses && s.labels.endpoint === endpoint)
        .map((s) => [s.labels.code, s.value]),
    ) as Record<string, number>,
    delivered: at(`${WEBHOOK_METRICS.latency}_count`),
    dead: at(WEBHOOK_METRICS.dead),
    oldestPendingAge: at(WEBHOOK_METRICS.oldestPendingAge),
    requests: at(`${WEBHOOK_METRICS.requestDuration}_count`),
  };
}

/** Every attempt counted has also had its duration recorded (the last thing an attempt records). */
export const settled = (m: ReturnType<typeof endpointMetrics>) =>
  m.requests === m.successes + m.failures + m.errors;

/** Event types received for each order, in arrival order, counting 2xx-answered deliveries only. */
export function deliveredTypesByOrder(receiver: WebhookReceiver): Map<string, string[]> {
  const byOrder = new Map<string, string[]>();
  for (const delivery of receiver.received) {
    if (typeof delivery.answer !== 'number' || delivery.answer >= 300) continue;
    byOrder.set(delivery.orderId, [...(byOrder.get(delivery.orderId) ?? []), delivery.type]);
  }
  return byOrder;
}

/** Figures of a scenario (events, attempts, retries, dead), printed when PRINT_WEBHOOK_FIGURES is set. */
export function figures(scenario: string, values: Record<string, number>): void {
  if (process.env.PRINT_WEBHOOK_FIGURES) console.log(`${scenario}: ${JSON.stringify(values)}`);
}
