import { Counter, Histogram, Registry } from 'prom-client';
import { removeSeries, seriesLabelValues } from './series-removal';

describe('series removal', () => {
  const registry = new Registry();
  const counter = new Counter({
    name: 'things_total',
    help: 'h',
    labelNames: ['thing', 'result'],
    registers: [registry],
  });
  const histogram = new Histogram({
    name: 'thing_seconds',
    help: 'h',
    labelNames: ['thing'],
    buckets: [0.1, 1],
    registers: [registry],
  });
  const names = ['things_total', 'thing_seconds', 'not_registered_here'];

  beforeEach(() => {
    registry.resetMetrics();
    counter.labels('a', 'ok').inc();
    counter.labels('a', 'failed').inc(2);
    counter.labels('b', 'ok').inc();
    histogram.labels('a').observe(0.5);
    histogram.labels('c').observe(2);
  });

  it('lists the label values present across the metrics this process has', async () => {
    expect([...(await seriesLabelValues(names, 'thing', registry))].sort()).toEqual(['a', 'b', 'c']);
  });

  it("removes every series of the given values, a histogram's buckets, sum and count included", async () => {
    expect(await removeSeries(names, 'thing', new Set(['a', 'gone']), registry)).toBe(3);
    const text = await registry.metrics();
    expect(text).not.toMatch(/thing="a"/);
    expect(text).toMatch(/^things_total\{thing="b",result="ok"\} 1$/m);
    expect(text).toMatch(/^thing_seconds_count\{thing="c"\} 1$/m);
    expect([...(await seriesLabelValues(names, 'thing', registry))].sort()).toEqual(['b', 'c']);
  });

  it('a series removed starts again from zero when written to', async () => {
    await removeSeries(names, 'thing', new Set(['b']), registry);
    counter.labels('b', 'ok').inc();
    expect(await registry.metrics()).toMatch(/^things_total\{thing="b",result="ok"\} 1$/m);
  });
});
