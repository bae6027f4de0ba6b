import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { register } from 'prom-client';
import { StandaloneMetrics } from './standalone-metrics';

describe('StandaloneMetrics', () => {
  it("keeps its instruments out of the process's registry", async () => {
    const metrics = new StandaloneMetrics();
    const counter = metrics.counter({ name: 'standalone_probe_total', help: 'x', labelNames: ['limit'] });
    counter.labels('a').inc(2);

    expect((await counter.get()).values).toEqual([{ labels: { limit: 'a' }, value: 2 }]);
    expect(register.getSingleMetric('standalone_probe_total')).toBeUndefined();
    // A second set may define the same names: each has its own registry.
    expect(() =>
      new StandaloneMetrics().counter({ name: 'standalone_probe_total', help: 'x' }),
    ).not.toThrow();
  });

  describe('pushAdd', () => {
    let server: Server;
    let received: Array<{ method?: string; url?: string; body: string }>;

    beforeAll(async () => {
      server = createServer((request: IncomingMessage, response) => {
        let body = '';
        request.on('data', (chunk: Buffer) => (body += chunk.toString()));
        request.on('end', () => {
          received.push({ method: request.method, url: request.url, body });
          response.end();
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    });

    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    beforeEach(() => (received = []));

    it("POSTs every metric of the set to the Pushgateway, grouped under the job's name", async () => {
      const metrics = new StandaloneMetrics();
      metrics.gauge({ name: 'batch_duration_seconds', help: 'Duration' }).set(1.5);
      metrics.histogram({ name: 'batch_item_seconds', help: 'Items', buckets: [1] }).observe(0.5);
      const { port } = server.address() as AddressInfo;

      await metrics.pushAdd(`http://127.0.0.1:${port}`, 'nightly_batch');

      expect(received).toEqual([
        {
          method: 'POST',
          url: '/metrics/job/nightly_batch',
          body: expect.stringContaining('batch_duration_seconds 1.5'),
        },
      ]);
      expect(received[0].body).toContain('batch_item_seconds_count 1');
    });
  });
});
