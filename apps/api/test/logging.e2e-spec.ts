import { type OtlpReceiver } from '../../../test/support/otlp-receiver';
import { freePort } from '../../../tooling/free-port';
import { parseExposition, valueOf } from '../../../tooling/prometheus-text';
import { waitFor } from '../../../tooling/wait-for';
import { OPERATOR, orderBody } from './support/api-harness';
import type { ApiProcess } from '../../../tooling/app-processes';
import { startTracedApi, type TracedApi } from './support/traced-api';

type LogLine = Record<string, any>;

/** Log lines of the real app (child process, JSON on stdout), checked against the spans it exported. */
describe('logging (child process: ECS JSON on stdout, trace ids, redaction, audit stream)', () => {
  let traced: TracedApi;
  let receiver: OtlpReceiver;
  let api: ApiProcess;
  let lines: LogLine[];
  let orderId: string;
  const requestId = 'log-test-request-1';
  let token: string;

  const parseLines = () =>
    api
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as LogLine);

  beforeAll(async () => {
    traced = await startTracedApi({
      NODE_ENV: 'test',
    });
    ({ receiver, api } = traced);
    token = await api.tokens.token('c-logs');
    const response = await fetch(`${api.baseUrl}/orders`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${token}`,
        'x-request-id': requestId,
      },
      body: JSON.stringify(orderBody()),
    });
    expect(response.headers.get('x-request-id')).toBe(requestId);
    orderId = ((await response.json()) as { id: string }).id;
    lines = await waitFor(
      async () => parseLines(),
      (all) => all.some((l) => l['event.action'] === 'order-completed' && l['order.id'] === orderId),
      20_000,
      100,
    );
    await waitFor(
      async () => receiver.spans,
      (spans) => spans.some((s) => s.name === 'saga.completeOrder'),
      10_000,
      100,
    );
  });
  afterAll(async () => {
    await traced?.stop();
  });

  it('writes every line as ECS JSON with the service name, version and environment', () => {
    expect(lines.length).toBeGreaterThan(5);
    for (const line of lines) {
      expect(line).toMatchObject({
        '@timestamp': expect.any(String),
        'log.level': expect.any(String),
        message: expect.any(String),
        'ecs.version': expect.any(String),
        'service.name': 'orders-api',
        'service.version': expect.any(String),
        'service.environment': 'test',
      });
    }
  });

  it('puts the trace id of the request on every line written while serving it, and on its saga', () => {
    const server = receiver.spans.find(
      (s) =>
        s.kind === 2 &&
        s.attributes['http.route'] === '/orders' &&
        s.attributes['http.request.method'] === 'POST',
    );
    expect(server).toBeDefined();
    const completed = lines.find(
      (l) => l['http.request.id'] === requestId && l.message === 'request completed',
    );
    // The access line names the server span of its request.
    expect(completed).toMatchObject({ 'trace.id': server!.traceId, 'span.id': server!.spanId });
    // The lines written while serving the request carry its id; the saga's, the order's.
    const served = lines.filter((l) => l['http.request.id'] === requestId);
    expect(served.length).toBeGreaterThanOrEqual(2);
    const related = lines.filter((l) => l['http.request.id'] === requestId || l['order.id'] === orderId);
    expect(related.length).toBeGreaterThanOrEqual(4);
    for (const line of related)
      expect({ message: line.message, trace: line['trace.id'] }).toEqual({
        message: line.message,
        trace: server!.traceId,
      });
    const sagaSpanIds = new Set(
      receiver.spans.filter((s) => s.traceId === server!.traceId).map((s) => s.spanId),
    );
    for (const line of related) expect(sagaSpanIds.has(line['span.id'])).toBe(true);
  });

  it('leaves no trace of the card number, CVV or Authorization header in any line', () => {
    const everything = api.output();
    expect(everything).not.toContain('4242424242424242');
    expect(everything).not.toContain(token.split('.')[2]); // the token's signature, nor the token
    const completed = lines.find(
      (l) => l['http.request.id'] === requestId && l.message === 'request completed',
    );
    expect(completed).toBeDefined();
    // The access line has no request or response headers at all: nothing to redact.
    expect(Object.keys(completed!).filter((key) => /header|^req$|^res$|^http$/i.test(key))).toEqual([]);
    expect(JSON.stringify(completed)).not.toMatch(/authorization|bearer|cookie/i);
    expect(lines.filter((l) => l.req !== undefined || l.http?.request?.headers !== undefined)).toEqual([]);
  });

  it('never repeats a key within a line (Elasticsearch rejects such documents)', () => {
    const raw = api
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'));
    for (const line of raw) {
      const topLevel = JSON.parse(line) as LogLine;
      const keys = [...line.matchAll(/[{,]"([^"]+)":/g)].map((m) => m[1]).filter((key) => key in topLevel);
      expect(keys.length).toBe(Object.keys(topLevel).length);
    }
  });

  it('records the business events on the audit stream', () => {
    const audit = lines.filter((l) => l['event.dataset'] === 'orders-api.audit' && l['order.id'] === orderId);
    expect(audit.map((l) => l['event.action'])).toEqual([
      'order-created',
      'payment-captured',
      'order-completed',
    ]);
    for (const line of audit)
      expect(line).toMatchObject({ 'event.kind': 'event', 'event.outcome': 'success' });
    expect(audit[0]).toMatchObject({ 'customer.id': 'c-logs', 'order.total': 4980, 'order.currency': 'EUR' });
    const diagnostic = lines.filter((l) => l['event.dataset'] === 'orders-api');
    expect(diagnostic.length).toBeGreaterThan(0);
    expect(diagnostic.every((l) => l['event.action'] === undefined)).toBe(true);
  });
  it('writes no request line for probes and scrapes, but one for every other route, 404s included', async () => {
    for (const path of ['/health/live', '/health/ready', '/products', '/no-such-route'])
      await fetch(`${api.baseUrl}${path}`, {
        headers: { 'x-request-id': `quiet-check${path.replace(/\//g, '-')}` },
      });
    const logged = await waitFor(
      async () => parseLines().filter((l) => l.message === 'request completed'),
      (all) => all.some((l) => l['http.request.id'] === 'quiet-check-no-such-route'),
      10_000,
      50,
    );
    const quietIds = logged
      .map((l) => l['http.request.id'] as string | undefined)
      .filter((id) => id?.startsWith('quiet-check'));
    expect(quietIds.sort()).toEqual(['quiet-check-no-such-route', 'quiet-check-products']);
    expect(logged.find((l) => l['http.request.id'] === 'quiet-check-no-such-route')).toMatchObject({
      'log.level': 'warn',
      'http.response.status_code': 404,
      'url.path': '/no-such-route',
    });
  });
  it("names the order and its customer on the request's lines once the handler knows them (@LogContext)", async () => {
    const placed = lines.find((l) => l['http.request.id'] === requestId && l.message === 'request completed');
    expect(placed).toMatchObject({ 'order.id': orderId, 'customer.id': 'c-logs' });
    await fetch(`${api.baseUrl}/orders/${orderId}`, {
      headers: { 'x-request-id': 'log-context-read', authorization: `Bearer ${token}` },
    });
    const read = await waitFor(
      async () =>
        parseLines().find(
          (l) => l['http.request.id'] === 'log-context-read' && l.message === 'request completed',
        ),
      (line) => line !== undefined,
      10_000,
      50,
    );
    expect(read).toMatchObject({
      'order.id': orderId,
      'customer.id': 'c-logs',
      'http.route': '/orders/:id',
      'url.path': `/orders/${orderId}`,
    });
  });

  it('records operator actions as audit events naming the operator, and refusals without the token', async () => {
    const operator = await api.tokens.headers(OPERATOR);
    const json = { 'content-type': 'application/json' };
    const restock = await fetch(`${api.baseUrl}/products/SKU-002/restock`, {
      method: 'POST',
      headers: { ...json, ...operator },
      body: JSON.stringify({ quantity: 7 }),
    });
    expect(restock.status).toBe(200);
    for (const method of ['PUT', 'DELETE'])
      expect(
        (
          await fetch(`${api.baseUrl}/admin/faults`, {
            method,
            headers: { ...operator, ...(method === 'PUT' ? json : {}) },
            body: method === 'PUT' ? JSON.stringify({ carrier: { latencyMs: 10 } }) : undefined,
          })
        ).status,
      ).toBe(200);
    const refused = await fetch(`${api.baseUrl}/products/SKU-002/restock`, {
      method: 'POST',
      headers: { ...json, authorization: `Bearer ${token}`, 'x-request-id': 'log-refused-restock' },
      body: JSON.stringify({ quantity: 7 }),
    });
    expect(refused.status).toBe(403);

    const audit = await waitFor(
      async () => parseLines().filter((l) => l['event.dataset'] === 'orders-api.audit' && l['user.id']),
      (found) => found.length >= 3,
      10_000,
      50,
    );
    expect(audit.map((l) => [l['event.action'], l['user.id']])).toEqual([
      ['product-restocked', 'ops-1'],
      ['fault-injection-changed', 'ops-1'],
      ['fault-injection-cleared', 'ops-1'],
    ]);
    expect(audit[0]).toMatchObject({ 'product.sku': 'SKU-002', 'inventory.quantity_added': 7 });
    const refusal = await waitFor(
      async () =>
        parseLines().find(
          (l) => l['http.request.id'] === 'log-refused-restock' && l.message === 'request completed',
        ),
      (line) => line !== undefined,
      10_000,
      50,
    );
    expect(refusal).toMatchObject({
      'log.level': 'warn',
      'http.response.status_code': 403,
      'http.request.method': 'POST',
      'http.route': '/products/:sku/restock',
    });
    // No headers on the access line: neither the token nor a redacted Authorization header.
    expect(Object.keys(refusal!).filter((key) => /header|^req$|^res$|^http$/i.test(key))).toEqual([]);
    expect(JSON.stringify(refusal)).not.toMatch(/authorization|bearer/i);
    expect(api.output()).not.toContain(operator.authorization.split('.')[2]);
  });
});

/** The real app with LOG_SAMPLING_RATIO=0: no trace keeps its info lines, and what is always written still is. */
describe('log sampling (child process, LOG_SAMPLING_RATIO=0)', () => {
  let traced: TracedApi;
  let metricsPort: number;

  beforeAll(async () => {
    metricsPort = await freePort();
    traced = await startTracedApi({
      NODE_ENV: 'test',
      LOG_SAMPLING_RATIO: '0',
      METRICS_PORT: String(metricsPort),
    });
  });
  afterAll(async () => {
    await traced?.stop();
  });

  it("drops a traced request's info lines, access line included, keeps its warnings and audit events, and counts the drops", async () => {
    const { api } = traced;
    const headers = { authorization: `Bearer ${await api.tokens.token('c-sampled')}` };
    const placed = await fetch(`${api.baseUrl}/orders`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json', 'x-request-id': 'sampled-order' },
      body: JSON.stringify(orderBody()),
    });
    expect(placed.status).toBe(202);
    const orderId = ((await placed.json()) as { id: string }).id;
    const missing = await fetch(`${api.baseUrl}/orders/00000000-0000-4000-8000-000000000000`, {
      headers: { ...headers, 'x-request-id': 'sampled-missing' },
    });
    expect(missing.status).toBe(404);
    const parseLines = () =>
      api
        .output()
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as LogLine);
    const lines = await waitFor(
      async () => parseLines(),
      (all) =>
        all.some((l) => l['event.action'] === 'order-completed' && l['order.id'] === orderId) &&
        all.some((l) => l['http.request.id'] === 'sampled-missing' && l.message === 'request completed'),
      20_000,
      100,
    );

    const audit = lines.filter((l) => l['event.dataset'] === 'orders-api.audit' && l['order.id'] === orderId);
    expect(audit.map((l) => l['event.action'])).toEqual([
      'order-created',
      'payment-captured',
      'order-completed',
    ]);
    const traceId = audit[0]['trace.id'];
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    const diagnostic = lines.filter((l) => l['event.dataset'] === 'orders-api');
    const belowWarn = (l: LogLine) => ['trace', 'debug', 'info'].includes(l['log.level']);
    expect(diagnostic.filter((l) => l['trace.id'] === traceId && belowWarn(l))).toEqual([]);
    // The order's request: no access line, nor any other diagnostic line below warn (its audit events stay).
    expect(
      lines.some((l) => l['http.request.id'] === 'sampled-order' && l.message === 'request completed'),
    ).toBe(false);
    expect(diagnostic.filter((l) => l['http.request.id'] === 'sampled-order' && belowWarn(l))).toEqual([]);
    expect(
      diagnostic.find((l) => l['http.request.id'] === 'sampled-missing' && l.message === 'request completed'),
    ).toMatchObject({
      'log.level': 'warn',
      'http.response.status_code': 404,
    });
    // Lines outside any trace are written: the one the launcher waits for among them.
    expect(diagnostic.some((l) => l['log.level'] === 'info' && l['trace.id'] === undefined)).toBe(true);

    // Each successful read writes one info line, its access line: each is dropped and counted.
    const dropped = async () =>
      valueOf(
        parseExposition(await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text()),
        'log_lines_dropped_total',
        { level: 'info' },
      );
    const before = await dropped();
    expect(before).toBeGreaterThanOrEqual(1); // the order's access line
    for (let i = 0; i < 3; i++) expect((await fetch(`${api.baseUrl}/products`)).status).toBe(200);
    expect((await dropped()) - before).toBeGreaterThanOrEqual(3);
    expect(
      parseLines().filter((l) => l.message === 'request completed' && l['log.level'] === 'info'),
    ).toEqual([]);
  });
});
