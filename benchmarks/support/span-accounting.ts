import { setTimeout as sleep } from 'node:timers/promises';
import { SPAN_EXPORT_METRICS } from '../../libs/observability/src/metrics/metric-names';
import { parseExposition, valueOf } from '../../tooling/prometheus-text';
import type { OtlpSink } from './otlp-sink';
import type { Figure } from './report';

/** What the API says became of its sampled spans (its `/metrics`), and what the collector received. */
export interface SpanCounts {
  created: number;
  exported: number;
  dropped: number;
  received: number;
  /** Created, neither received nor counted as dropped: the loss nobody would see. */
  lostInSilence: number;
  /** Time the API spent exporting (one export at a time: per second of load, the exporter's busy share). */
  exportSeconds: number;
  /** Export requests the collector received. */
  exports: number;
}

/** Reads the API's span counters, waiting (up to `timeoutMs`) until its queue has drained. */
export async function drainedSpanCounts(
  metricsUrl: string,
  sink: OtlpSink,
  timeoutMs = 20_000,
): Promise<SpanCounts> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const exposition = parseExposition(await (await fetch(metricsUrl)).text());
    const value = (name: string) => valueOf(exposition, name);
    const created = value(SPAN_EXPORT_METRICS.ended);
    const exported = value(SPAN_EXPORT_METRICS.exported);
    const dropped = value(SPAN_EXPORT_METRICS.dropped);
    const received = sink.received().spans;
    const settled = created === exported + dropped && received >= exported;
    if (settled || Date.now() > deadline)
      return {
        created,
        exported,
        dropped,
        received,
        lostInSilence: created - received - dropped,
        exportSeconds: value(SPAN_EXPORT_METRICS.exportSeconds),
        exports: sink.received().requests,
      };
    await sleep(100);
  }
}

export function spanDelta(after: SpanCounts, before: SpanCounts): SpanCounts {
  return {
    created: after.created - before.created,
    exported: after.exported - before.exported,
    dropped: after.dropped - before.dropped,
    received: after.received - before.received,
    lostInSilence: after.lostInSilence - before.lostInSilence,
    exportSeconds: after.exportSeconds - before.exportSeconds,
    exports: after.exports - before.exports,
  };
}

const emptyCounts = (): SpanCounts => ({
  created: 0,
  exported: 0,
  dropped: 0,
  received: 0,
  lostInSilence: 0,
  exportSeconds: 0,
  exports: 0,
});

interface RouteSpans {
  spans: number;
  requests: number;
  exported: number;
  exportSeconds: number;
  exports: number;
  perSecond: number[];
  busyShare: number[];
}

/** Spans created, received and dropped over every run of the traced variants, warm-ups included. */
export class SpanTally {
  readonly total: Record<'on' | 'sampled', SpanCounts> = { on: emptyCounts(), sampled: emptyCounts() };
  /** Per route, the `on` runs: spans, requests and export time, and spans/s and busy share of each round. */
  readonly perRoute = new Map<string, RouteSpans>();

  /** One drained run of a traced variant; `measuredS`: the length of a measured round (not a warm-up). */
  observe(
    variant: 'on' | 'sampled',
    routeName: string,
    counts: SpanCounts,
    requests: number,
    measuredS?: number,
  ): void {
    const total = this.total[variant];
    for (const key of Object.keys(total) as (keyof SpanCounts)[]) total[key] += counts[key];
    if (variant !== 'on') return;
    const route = this.route(routeName);
    route.spans += counts.created;
    route.requests += requests;
    route.exported += counts.exported;
    route.exportSeconds += counts.exportSeconds;
    route.exports += counts.exports;
    if (measuredS === undefined) return;
    route.perSecond.push(counts.created / measuredS);
    route.busyShare.push(counts.exportSeconds / measuredS);
  }

  private route(name: string): RouteSpans {
    const entry = this.perRoute.get(name) ?? {
      spans: 0,
      requests: 0,
      exported: 0,
      exportSeconds: 0,
      exports: 0,
      perSecond: [],
      busyShare: [],
    };
    this.perRoute.set(name, entry);
    return entry;
  }

  /** Per route, the figures that size the exporter: spans per request and per second, and what it can ship. */
  routeFigures(name: string, median: (values: number[]) => number): Figure[] {
    const route = this.route(name);
    return [
      { name: `${name}: spans per request (on)`, value: route.spans / Math.max(1, route.requests), unit: '' },
      { name: `${name}: spans created under load (on)`, value: median(route.perSecond), unit: 'spans/s' },
      {
        name: `${name}: span exporter busy under load (on)`,
        value: median(route.busyShare) * 100,
        unit: '%',
      },
      {
        name: `${name}: export round trip, average (on)`,
        value: (route.exportSeconds * 1_000) / Math.max(1, route.exports),
        unit: 'ms',
      },
      {
        name: `${name}: spans per export, average (on)`,
        value: route.exported / Math.max(1, route.exports),
        unit: '',
      },
      {
        // One export at a time: spans shipped per second of export time; with full batches, the most it can ship.
        name: `${name}: spans exported per second of export time (on)`,
        value: route.exported / Math.max(1e-9, route.exportSeconds),
        unit: 'spans/s',
      },
    ];
  }
}

/** Spans created by the traced variants (from their own counters) against those the collector received. */
export function spanFigures(spans: SpanTally): Figure[] {
  const { on, sampled } = spans.total;
  return [
    { name: 'spans created (on, 100 % sampled)', value: on.created, unit: '' },
    { name: 'spans received by the collector (on)', value: on.received, unit: '' },
    { name: 'spans dropped, counted (on)', value: on.dropped, unit: '' },
    { name: 'spans received / created (on)', value: on.received / Math.max(1, on.created), unit: '' },
    { name: 'spans created (10 % sampled)', value: sampled.created, unit: '' },
    { name: 'spans received by the collector (10 % sampled)', value: sampled.received, unit: '' },
    { name: 'spans dropped, counted (10 % sampled)', value: sampled.dropped, unit: '' },
  ];
}
