import { startWebhookReceiver, type WebhookReceiver } from '../../../test/support/webhook-receiver';
import { waitFor } from '../../../tooling/wait-for';
import { isTerminalStatus, OPERATOR, orderBody, startApi, type RunningApi } from './support/api-harness';
import { FAST_WEBHOOKS, registerReceiver } from './support/webhook-fixtures';

/** The longest delay between two attempts here; the usual backoff after a first failure is 50–100 ms. */
const MAX_DELAY_MS = 3_000;

/**
 * A receiver that answers 503 or 429 with `Retry-After` is tried again no earlier than it asks, and no
 * later than the longest delay of the retry schedule.
 */
describe('webhook delivery honours Retry-After', () => {
  let api: RunningApi;
  const receivers: WebhookReceiver[] = [];

  /**
   * Registers a receiver for order.created, places an order, runs `meanwhile` and waits for the event's
   * delivery; returns the attempts.
   */
  const attemptsUntilDelivered = async (
    receiver: WebhookReceiver,
    meanwhile: (endpointId: string) => Promise<void> = async () => undefined,
  ) => {
    const { id } = await registerReceiver(api, receiver, ['order.created']);
    const placed = await api.request('POST', '/orders', { body: orderBody() });
    await api.waitForOrder(placed.body.id, isTerminalStatus);
    await meanwhile(id);
    await waitFor(
      async () => receiver.delivered().size,
      (n) => n === 1,
      MAX_DELAY_MS + 10_000,
    );
    await api.request('POST', `/admin/webhooks/${id}/disable`, { as: OPERATOR });
    return { id, attempts: receiver.received };
  };

  beforeAll(async () => {
    api = await startApi({ ...FAST_WEBHOOKS, WEBHOOK_RETRY_MAX_DELAY_MS: String(MAX_DELAY_MS) });
  });

  afterAll(async () => {
    await api?.close();
    await Promise.all(receivers.map((r) => r.close()));
  });

  it('waits the seconds a 503 asks for before the next attempt', async () => {
    const receiver = await startWebhookReceiver('unavailable');
    receivers.push(receiver);
    let calls = 0;
    receiver.answer(() => (++calls === 1 ? { status: 503, headers: { 'retry-after': '2' } } : 200));

    const { id, attempts } = await attemptsUntilDelivered(receiver, async (endpointId) => {
      // Between the attempts: due again two seconds after the first, the reason in its last error.
      const { body } = await waitFor(
        () => api.request('GET', `/admin/webhooks/${endpointId}/deliveries`, { as: OPERATOR }),
        (r) => r.body.items[0]?.lastStatusCode === 503,
      );
      const [pending] = body.items;
      expect(pending).toMatchObject({
        status: 'pending',
        attempts: 1,
        lastError: 'HTTP 503 Service Unavailable (Retry-After: 2)',
      });
      expect(Date.parse(pending.nextAttemptAt) - Date.parse(pending.lastAttemptAt)).toBeGreaterThanOrEqual(
        2_000,
      );
    });
    expect(attempts.map((a) => [a.attempt, a.answer])).toEqual([
      [1, 503],
      [2, 200],
    ]);
    expect(attempts[1].at - attempts[0].at).toBeGreaterThanOrEqual(2_000);
    expect(attempts[1].at - attempts[0].at).toBeLessThan(MAX_DELAY_MS);
    const { body } = await api.request('GET', `/admin/webhooks/${id}/deliveries`, { as: OPERATOR });
    expect(body.items[0]).toMatchObject({ status: 'delivered', attempts: 2, lastStatusCode: 200 });
  });

  it('waits no longer than the longest delay of the schedule when a 429 asks for more', async () => {
    const receiver = await startWebhookReceiver('rate-limited');
    receivers.push(receiver);
    let calls = 0;
    const inAnHour = new Date(Date.now() + 3_600_000).toUTCString();
    receiver.answer(() => (++calls === 1 ? { status: 429, headers: { 'retry-after': inAnHour } } : 200));

    const { attempts } = await attemptsUntilDelivered(receiver);
    expect(attempts.map((a) => [a.attempt, a.answer])).toEqual([
      [1, 429],
      [2, 200],
    ]);
    expect(attempts[1].at - attempts[0].at).toBeGreaterThanOrEqual(MAX_DELAY_MS);
    expect(attempts[1].at - attempts[0].at).toBeLessThan(MAX_DELAY_MS + 3_000);
  });
});
