import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { bindCounter, bindGauge, HistogramChild } from './bound-children';

const LABEL_SETS = [
  { method: 'GET', route: '/orders/:id', status_code: '200' },
  { method: 'GET', route: '/orders/:id', status_code: '404' },
  { method: 'POST', route: '/orders', status_code: '201' },
  { method: 'POST', route: '/orders', status_code: '422' },
  { method: 'GET', route: 'unmatched', status_code: '404' },
];
// On a bound, between bounds, above the last one, zero, and a fraction that does not add up exactly.
const VALUES = [0.005, 0.0049, 0.3, 42, 0, 0.1 + 0.2, 1e-9];
const BUCKETS = [0.005, 0.01, 0.1, 1, 10];

/** The same metrics in two registries: one recorded through bound children, one through prom-client's calls. */
function twin() {
  const make = () => {
    const registry = new Registry();
    const labelNames = ['method', 'route', 'status_code'];
    return {
      registry,
      counter: new Counter({ name: 'requests_total', help: 'h', labelNames, registers: [registry] }),
      gauge: new Gauge({ name: 'in_flight', help: 'h', labelNames, registers: [registry] }),
      histogram: new Histogram({
        name: 'seconds',
        help: 'h',
        labelNames,
        buckets: BUCKETS,
        registers: [registry],
      }),
    };
  };
  return { bound: make(), unbound: make() };
}

describe('bound children: a sample added straight to the series of its label set', () => {
  it('gives the counts, sums and values prom-client gives, label set by label set', async () => {
    const { bound, unbound } = twin();
    const children = LABEL_SETS.map((labels) => ({
      counter: bindCounter(bound.counter, labels),
      gauge: bindGauge(bound.gauge, labels),
      histogram: new HistogramChild(bound.histogram, [labels], false),
    }));
    for (let round = 0; round < 3; round++) {
      LABEL_SETS.forEach((labels, i) => {
        for (const value of VALUES.slice(i)) {
          children[i].counter.inc();
          children[i].counter.inc(value);
          children[i].gauge.inc();
          children[i].gauge.dec(value);
          children[i].histogram.observe(value);
          unbound.counter.inc(labels);
          unbound.counter.inc(labels, value);
          unbound.gauge.inc(labels);
          unbound.gauge.dec(labels, value);
          unbound.histogram.observe(labels, value);
        }
      });
    }
    const text = await bound.registry.metrics();
    expect(text).toBe(await unbound.registry.metrics());
    expect(text).toMatch(/^seconds_count\{method="GET",route="\/orders\/:id",status_code="200"\} 21$/m);
    expect(text).toMatch(
      /^seconds_bucket\{le="\+Inf",method="GET",route="unmatched",status_code="404"\} 9$/m,
    );
  });

  it('starts a series again after reset() and remove(), and writes to the one zero() puts in place', async () => {
    const { bound, unbound } = twin();
    const [a, b] = LABEL_SETS;
    const counter = bindCounter(bound.counter, a);
    const histogram = new HistogramChild(bound.histogram, [b], false);
    const both = (value: number) => {
      counter.inc(value);
      histogram.observe(value);
      unbound.counter.inc(a, value);
      unbound.histogram.observe(b, value);
    };
    both(0.5);
    bound.registry.resetMetrics();
    unbound.registry.resetMetrics();
    both(2);
    bound.counter.remove(a);
    bound.histogram.remove(b);
    unbound.counter.remove(a);
    unbound.histogram.remove(b);
    both(3);
    bound.histogram.zero(b);
    unbound.histogram.zero(b);
    both(0.001);
    const text = await bound.registry.metrics();
    expect(text).toBe(await unbound.registry.metrics());
    expect(text).toMatch(/^requests_total\{method="GET",route="\/orders\/:id",status_code="200"\} 3.001$/m);
    expect(text).toMatch(/^seconds_count\{method="GET",route="\/orders\/:id",status_code="404"\} 1$/m);
  });

  it('takes the label values in label-name order, as labels(...) does', async () => {
    const { bound, unbound } = twin();
    new HistogramChild(bound.histogram, ['GET', '/orders', '200'], false).observe(0.2);
    unbound.histogram.observe({ method: 'GET', route: '/orders', status_code: '200' }, 0.2);
    expect(await bound.registry.metrics()).toBe(await unbound.registry.metrics());
    expect(() => new HistogramChild(bound.histogram, ['GET'], false)).toThrow(/Invalid number of arguments/);
  });

  it('refuses label names the metric does not have, and the values prom-client refuses', () => {
    const { bound } = twin();
    const labels = LABEL_SETS[0];
    expect(() => bindCounter(bound.counter, { ...labels, tenant: 'x' })).toThrow(/"tenant"/);
    expect(() => bindGauge(bound.gauge, { ...labels, tenant: 'x' })).toThrow(/"tenant"/);
    const counter = bindCounter(bound.counter, labels);
    const histogram = new HistogramChild(bound.histogram, [labels], false);
    counter.inc();
    histogram.observe(1);
    expect(() => counter.inc(-1)).toThrow(/not possible to decrease a counter/);
    expect(() => counter.inc(Infinity)).toThrow(/not a valid number/);
    expect(() => histogram.observe(Number.NaN)).toThrow(/not a valid number/);
    expect(() => histogram.observe(Infinity)).toThrow(/not a valid number/);
  });

  it('keeps its labels to itself: changing the object it was bound with changes nothing', async () => {
    const { bound } = twin();
    const labels = { ...LABEL_SETS[0] };
    const counter = bindCounter(bound.counter, labels);
    labels.status_code = '500';
    counter.inc();
    counter.inc();
    expect(await bound.registry.metrics()).toMatch(
      /^requests_total\{method="GET",route="\/orders\/:id",status_code="200"\} 2$/m,
    );
  });

  it('times with startTimer(), adding the labels given when the timer stops', async () => {
    const { bound } = twin();
    const child = new HistogramChild(bound.histogram, [{ method: 'GET', route: '/orders' }], false);
    expect(child.startTimer()()).toBeGreaterThanOrEqual(0);
    child.startTimer()({ status_code: '200' });
    const text = await bound.registry.metrics();
    expect(text).toMatch(/^seconds_count\{method="GET",route="\/orders"\} 1$/m);
    expect(text).toMatch(/^seconds_count\{method="GET",route="\/orders",status_code="200"\} 1$/m);
  });
});
