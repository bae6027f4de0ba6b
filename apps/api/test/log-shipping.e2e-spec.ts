import { freePort } from '../../../tooling/free-port';
import { parseExposition, valueOf } from '../../../tooling/prometheus-text';
import { startFakeElasticsearch, type FakeElasticsearch } from '../../../test/support/fake-elasticsearch';
import { createTestDatabase, type TestDatabase } from '../../../tooling/database';
import { waitFor } from '../../../tooling/wait-for';
import { orderBody } from './support/api-harness';
import { startApiProcess, type ApiProcess } from '../../../tooling/app-processes';

/** Log shipping through pino's worker thread, from the real app in a child process. */
describe('log shipping to Elasticsearch (child process)', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  describe('into an Elasticsearch test double over HTTP', () => {
    let elasticsearch: FakeElasticsearch;
    let api: ApiProcess;

    beforeAll(async () => {
      elasticsearch = await startFakeElasticsearch();
      api = await startApiProcess({
        DATABASE_URL: db.url,
        ELASTICSEARCH_URL: elasticsearch.url,
        ELASTICSEARCH_INDEX_PREFIX: 'shop',
      });
    });
    afterAll(async () => {
      await api?.stop();
      await elasticsearch?.close();
    });

    it('ships diagnostic lines and audit events into their own data streams', async () => {
      const requestId = 'log-shipping-request-1';
      const response = await fetch(`${api.baseUrl}/orders`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-request-id': requestId,
          ...(await api.tokens.headers('c-shipping')),
        },
        body: JSON.stringify(orderBody()),
      });
      const { id } = (await response.json()) as { id: string };
      // Each stream has its own transport and bulk flush: wait for both documents, whichever lands last.
      await waitFor(
        async () => elasticsearch.documents,
        (docs) =>
          docs.some((d) => d.doc['event.action'] === 'order-completed' && d.doc['order.id'] === id) &&
          docs.some((d) => d.doc.message === 'request completed' && d.doc['http.request.id'] === requestId),
        20_000,
        100,
      );
      const indices = new Set(elasticsearch.documents.map((d) => d.index));
      expect(indices).toEqual(new Set(['shop-logs', 'shop-audit']));
      const audit = elasticsearch.documents.filter(
        (d) => d.index === 'shop-audit' && d.doc['order.id'] === id,
      );
      expect(audit.map((d) => d.doc['event.action'])).toEqual([
        'order-created',
        'payment-captured',
        'order-completed',
      ]);
      const requestLine = elasticsearch.documents.find(
        (d) =>
          d.index === 'shop-logs' &&
          d.doc.message === 'request completed' &&
          d.doc['http.request.id'] === requestId,
      );
      expect(requestLine?.doc).toMatchObject({
        'service.name': 'orders-api',
        'trace.id': expect.stringMatching(/^[0-9a-f]{32}$/),
        'http.route': '/orders',
        'http.response.status_code': 202,
      });
    });
  });

  describe('with Elasticsearch unreachable', () => {
    let api: ApiProcess;
    let metricsPort: number;

    beforeAll(async () => {
      metricsPort = await freePort();
      api = await startApiProcess({
        DATABASE_URL: db.url,
        METRICS_PORT: String(metricsPort),
        ELASTICSEARCH_URL: 'http://127.0.0.1:9', // nothing listens on the discard port
        SEED_DEMO_CATALOG: 'false',
      });
    });
    afterAll(async () => {
      await api?.stop();
    });

    it('keeps serving (never blocked by the logger) while the failure metric rises', async () => {
      const statuses = await Promise.all(
        Array.from({ length: 200 }, () => fetch(`${api.baseUrl}/products`).then((r) => r.status)),
      );
      expect(statuses.every((s) => s === 200)).toBe(true);
      const failures = await waitFor(
        async () => parseExposition(await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text()),
        (metrics) => valueOf(metrics, 'log_shipping_failures_total', { stream: 'app' }) > 0,
        20_000,
        250,
      );
      expect(
        valueOf(failures, 'log_shipping_failures_total', { kind: 'lost', stream: 'app' }),
      ).toBeGreaterThan(0);
      expect((await fetch(`${api.baseUrl}/health/ready`)).status).toBe(200);
      expect(api.child.exitCode).toBeNull();
    });
  });
});
