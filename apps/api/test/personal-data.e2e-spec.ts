import { requestJson } from '../../../tooling/json-request';
import { OPERATOR } from '../../../tooling/tokens';
import { DECLINED_CARD, isTerminalStatus, orderBody } from '../../../tooling/order-requests';
import { waitFor } from '../../../tooling/wait-for';
import { startTracedApi, type TracedApi } from './support/traced-api';

/** Personal data no log line, span or metric label may carry: distinctive, so a substring is a leak. */
const ADDRESS = {
  name: 'Zebulon Quartermaine-Vasquez',
  line1: '742 Evergreen Terrace',
  line2: 'Flat Qx-9',
  city: 'Springfield Qx',
  postalCode: 'QX9 7ZZ',
  country: 'GB',
};
const CARD = '4012888888881881'; // a Visa test number the simulated provider accepts
const CVV = '8642';
const PERSONAL = [
  ADDRESS.name,
  ADDRESS.line1,
  ADDRESS.line2,
  ADDRESS.city,
  ADDRESS.postalCode,
  CARD,
  DECLINED_CARD,
];

/** Every string value in a JSON-like value, however deep. */
function stringsIn(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringsIn);
  if (value && typeof value === 'object') return Object.values(value).flatMap(stringsIn);
  return [];
}

/**
 * The whole order lifecycle through the real app (child process, debug logs, every span exported to a
 * local OTLP receiver, metrics scraped): names, street addresses and card data appear in none of them.
 */
describe('no personal data in logs, spans or metric labels (child process, whole order lifecycle)', () => {
  let traced: TracedApi;
  let metricsPort: number;
  let logs: string;
  let spansJson: string;
  let spanValues: string[];
  let logValues: string[];
  let metrics: string;
  const secrets: string[] = [];
  const outcomes: string[] = [];

  beforeAll(async () => {
    metricsPort = 20_000 + Math.floor(Math.random() * 20_000);
    traced = await startTracedApi({ LOG_LEVEL: 'debug', METRICS_PORT: String(metricsPort) });
    const { api } = traced;
    const customer = await api.tokens.headers('c-privacy');
    const operator = await api.tokens.headers(OPERATOR);
    secrets.push(
      customer.authorization.slice('Bearer '.length),
      operator.authorization.slice('Bearer '.length),
    );
    const call = async (
      method: string,
      path: string,
      body?: unknown,
      headers: Record<string, string> = customer,
    ) => requestJson(api.baseUrl, method, path, { body, headers });
    const body = (card: string) =>
      orderBody({
        shippingAddress: ADDRESS,
        payment: { ...orderBody().payment, cardNumber: card, cvv: CVV },
      });
    const finished = (id: string) =>
      waitFor(
        () => call('GET', `/orders/${id}`),
        (r) => r.status === 200 && isTerminalStatus(r.body),
        20_000,
        100,
      ).then((r) => r.body as { status: string; failureReason: string | null; shippingAddress: unknown });

    // Completed, replayed, read and listed.
    const completed = await call('POST', '/orders', body(CARD), { ...customer, 'idempotency-key': 'pii-1' });
    await call('POST', '/orders', body(CARD), { ...customer, 'idempotency-key': 'pii-1' });
    const done = await finished(completed.body.id);
    expect(done.shippingAddress).toEqual(ADDRESS); // the customer gets it back; telemetry does not
    await call('GET', '/orders?limit=10');
    // Declined.
    const declined = await call('POST', '/orders', body(DECLINED_CARD));
    // Cancelled while the payment provider is slow.
    await call('PUT', '/admin/faults', { payment: { latencyMs: 1500 } }, operator);
    const cancelled = await call('POST', '/orders', body(CARD));
    await call('POST', `/orders/${cancelled.body.id}/cancel`);
    // Refunded after the carrier fails.
    await call('PUT', '/admin/faults', { carrier: { failureRate: 1 } }, operator);
    const unshipped = await call('POST', '/orders', body(CARD));
    for (const id of [declined.body.id, cancelled.body.id, unshipped.body.id]) {
      const order = await finished(id);
      outcomes.push(`${order.status}:${order.failureReason ?? ''}`);
    }
    await call('DELETE', '/admin/faults', undefined, operator);
    // Refused: bad input carrying personal data, no token, a token in the URL.
    expect(
      (await call('POST', '/orders', { ...body(CARD), shippingAddress: { ...ADDRESS, country: 'Nowhere' } }))
        .status,
    ).toBe(400);
    expect((await call('POST', '/orders', body(CARD), {})).status).toBe(401);
    const queryTrace = 'a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1';
    const traceparent = { traceparent: `00-${queryTrace}-00f067aa0ba902b7-01` };
    expect((await call('GET', `/orders?access_token=${secrets[0]}`, undefined, traceparent)).status).toBe(
      401,
    );

    await waitFor(
      async () => traced.receiver.spans,
      (spans) =>
        spans.some((s) => s.traceId === queryTrace && s.kind === 2) &&
        [completed, declined, cancelled, unshipped].every(({ body: { id } }) =>
          spans.some(
            (s) =>
              ['saga.completeOrder', 'saga.failOrder', 'saga.cancelOrder'].includes(s.name) &&
              s.attributes['order.id'] === id,
          ),
        ),
      20_000,
      100,
    );
    metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    logs = api.output();
    logValues = logs
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .flatMap((line) => stringsIn(JSON.parse(line)));
    spansJson = JSON.stringify(traced.receiver.spans);
    spanValues = stringsIn(
      traced.receiver.spans.map((s) => [s.name, s.attributes, s.events, s.status, s.resource]),
    );
  });
  afterAll(async () => {
    await traced?.stop();
  });

  it('ran the whole lifecycle: completed, declined, cancelled and shipping failed', () => {
    expect(outcomes).toEqual([
      'FAILED:PAYMENT_DECLINED',
      'CANCELLED:CANCELLED_BY_CUSTOMER',
      'FAILED:SHIPPING_FAILED',
    ]);
    expect(logValues.length).toBeGreaterThan(200);
    expect(traced.receiver.spans.length).toBeGreaterThan(100);
    for (const step of ['saga.chargePayment', 'saga.arrangeShipping', 'saga.refundPayment'])
      expect(traced.receiver.spans.map((s) => s.name)).toContain(step);
  });

  it.each(PERSONAL)('never logs %s', (value) => {
    expect(logs).not.toContain(value);
  });

  it.each(PERSONAL)('never exports %s in a span', (value) => {
    expect(spansJson).not.toContain(value);
  });

  it.each(PERSONAL)('never puts %s in a metric label', (value) => {
    expect(metrics).not.toContain(value);
  });

  it('never writes the CVV or a bearer token, in logs or spans', () => {
    for (const values of [logValues, spanValues]) {
      expect(values).not.toContain(CVV);
      for (const token of secrets) expect(values.some((v) => v.includes(token.split('.')[2]))).toBe(false);
    }
    for (const token of secrets) expect(logs + spansJson).not.toContain(token.split('.')[2]);
  });

  it('still names the customer and the orders by id, which telemetry may carry', () => {
    expect(logs).toContain('"customer.id":"c-privacy"');
    expect(spanValues).toEqual(expect.arrayContaining([expect.stringMatching(/^[0-9a-f-]{36}$/)]));
  });
});
