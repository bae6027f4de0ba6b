import { WEBHOOK_EVENT_TYPES } from '@app/webhooks';
import { FAST_WEBHOOKS } from '../../api/test/support/webhook-fixtures';
import { describeWithServers } from '../../../test/support/real-servers';
import { startWebhookReceiver, type WebhookReceiver } from '../../../test/support/webhook-receiver';
import { freePort } from '../../../tooling/free-port';
import { startLiveTopology, type LiveTopology } from '../../../tooling/live-topology';
import { insertProduct } from '../../../tooling/order-fixtures';
import { orderBody } from '../../../tooling/order-requests';
import { parseExposition } from '../../../tooling/prometheus-text';
import { OPERATOR } from '../../../tooling/tokens';
import { waitFor } from '../../../tooling/wait-for';

/** Names of the series labelled with `endpoint` in a process's `/metrics`. */
async function seriesOf(metricsUrl: string, endpoint: string): Promise<string[]> {
  const exposition = parseExposition(await (await fetch(metricsUrl)).text());
  return [
    ...new Set(exposition.samples.filter((s) => s.labels.endpoint === endpoint).map((s) => s.name)),
  ].sort();
}

describeWithServers(
  ['temporal'],
  "a deleted webhook endpoint's series leave /metrics of the API and of the worker",
  () => {
    let live: LiveTopology;
    let apiMetrics: string;
    const receivers: WebhookReceiver[] = [];

    beforeAll(async () => {
      receivers.push(await startWebhookReceiver('kept'), await startWebhookReceiver('deleted'));
      const apiMetricsPort = await freePort();
      apiMetrics = `http://127.0.0.1:${apiMetricsPort}/metrics`;
      const prune = { WEBHOOK_METRICS_PRUNE_INTERVAL_MS: '200' };
      live = await startLiveTopology({
        apiEnv: { ...FAST_WEBHOOKS, ...prune, METRICS_PORT: String(apiMetricsPort) },
        workerEnv: prune,
      });
      await insertProduct(live.db, 'SERIES-1', 100);
    }, 180_000);

    afterAll(async () => {
      await live?.close();
      await Promise.all(receivers.map((receiver) => receiver.close()));
    }, 60_000);

    it('removes only that endpoint’s series, from every process that counted it', async () => {
      const endpoints: string[] = [];
      for (const receiver of receivers) {
        const created = await live.request(
          'POST',
          '/admin/webhooks',
          { url: receiver.url, eventTypes: WEBHOOK_EVENT_TYPES, description: 'series test' },
          {},
          OPERATOR,
        );
        expect(created.status).toBe(201);
        receiver.secret = created.body.secret;
        endpoints.push(created.body.id);
      }
      const [keptId, deletedId] = endpoints;

      const placed = await live.request(
        'POST',
        '/orders',
        orderBody({ items: [{ sku: 'SERIES-1', quantity: 1 }] }),
      );
      expect(placed.status).toBe(202);
      expect(await live.finalState(placed.body.id)).toMatchObject({ status: 'COMPLETED' });

      // The worker writes the saga's events (payment, shipment, completion), the API delivers them all.
      const workerMetrics = `${live.workerUrl()}/metrics`;
      const counted = (names: string[]) => names.includes('webhook_events_total');
      const delivered = (names: string[]) => names.includes('webhook_delivery_attempts_total');
      for (const id of endpoints) {
        await waitFor(() => seriesOf(workerMetrics, id), counted, 20_000, 100);
        await waitFor(() => seriesOf(apiMetrics, id), delivered, 20_000, 100);
      }
      const keptBefore = {
        api: await seriesOf(apiMetrics, keptId),
        worker: await seriesOf(workerMetrics, keptId),
      };

      const removed = await live.request('DELETE', `/admin/webhooks/${deletedId}`, undefined, {}, OPERATOR);
      expect(removed.status).toBe(204);

      await waitFor(
        () => seriesOf(apiMetrics, deletedId),
        (names) => names.length === 0,
        10_000,
        100,
      );
      await waitFor(
        () => seriesOf(workerMetrics, deletedId),
        (names) => names.length === 0,
        10_000,
        100,
      );
      expect(await seriesOf(apiMetrics, keptId)).toEqual(keptBefore.api);
      expect(await seriesOf(workerMetrics, keptId)).toEqual(keptBefore.worker);
    });
  },
);
