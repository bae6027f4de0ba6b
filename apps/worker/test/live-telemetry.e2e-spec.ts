import { insertProduct } from '../../../test/support/order-fixtures';
import { orderBody } from '../../../test/support/order-requests';
import { describeWithServers } from '../../../test/support/real-servers';
import { startJaeger, type Jaeger } from '../../../test/support/jaeger';
import { freePort } from '../../../test/support/free-port';
import { waitFor } from '../../../test/support/wait-for';
import { startLiveTopology, type LiveTopology } from './support/live-topology';

describeWithServers(['temporal', 'jaeger', 'prometheus'], 'probe', () => {
  let jaeger: Jaeger;
  let live: LiveTopology;

  beforeAll(async () => {
    jaeger = await startJaeger();
    const otel = {
      OTEL_EXPORTER_OTLP_ENDPOINT: jaeger.otlpEndpoint,
      OTEL_TRACES_SAMPLER: 'parentbased_always_on',
      OTEL_BSP_SCHEDULE_DELAY: '200',
    };
    live = await startLiveTopology({
      apiEnv: { ...otel, OTEL_SERVICE_NAME: 'orders-api', METRICS_PORT: String(await freePort()) },
      workerEnv: {
        ...otel,
        OTEL_SERVICE_NAME: 'orders-worker',
        METRICS_PORT: String(await freePort()),
        TEMPORAL_METRICS_PORT: String(await freePort()),
        LOG_LEVEL: 'debug',
      },
    });
    await insertProduct(live.db, 'TEL-1', 1000);
  }, 180_000);

  afterAll(async () => {
    await live?.close();
    await jaeger?.stop();
  }, 60_000);

  it('dumps', async () => {
    const placed = await live.request('POST', '/orders', orderBody({ items: [{ sku: 'TEL-1', quantity: 1 }] }));
    const order = await live.finalState(placed.body.id);
    console.log(order.status);
    const ids = await waitFor(
      () => jaeger.traceIds('orders-worker', { tags: { 'order.id': order.id } }),
      (x) => x.length > 0,
      20_000,
      200,
    );
    console.log(ids);
    await new Promise((r) => setTimeout(r, 2000));
    const spans = await jaeger.trace(ids[0]);
    const byId = new Map(spans.map((s) => [s.spanId, s]));
    for (const s of spans.sort((a, b) => a.startTime - b.startTime))
      console.log(
        s.service,
        s.operationName,
        s.spanId,
        '<-',
        s.parentSpanId,
        byId.get(s.parentSpanId ?? '')?.operationName,
        JSON.stringify(s.tags).slice(0, 400),
      );
    console.log(await jaeger.services());
    require('fs').writeFileSync('/tmp/worker-out.txt', live.worker.output());
    require('fs').writeFileSync('/tmp/api-out.txt', live.api.output());
  }, 60_000);
});
