import { setTimeout as sleep } from 'node:timers/promises';
import { startJaeger, type Jaeger } from '../../../test/support/jaeger';
import {
  startOtelCollector,
  startOtlpRelay,
  type OtelCollector,
  type OtlpRelay,
  type RelayedSpan,
} from '../../../test/support/otel-collector';
import { describeWithServers } from '../../../test/support/real-servers';
import { startLiveTopology, type LiveTopology } from '../../../tooling/live-topology';
import { insertProduct } from '../../../tooling/order-fixtures';
import { DECLINED_CARD, orderBody } from '../../../tooling/order-requests';
import { parseExposition, valueOf } from '../../../tooling/prometheus-text';
import { waitFor } from '../../../tooling/wait-for';

const SKU = 'TAIL-SAMPLING-1';
/** Short enough for a test, long enough for a slowed order's payment span to arrive inside it. */
const DECISION_WAIT_S = 10;
/** About twice an ordinary order's whole trace on a busy 2-core machine (printed below); under the slowed payment. */
const LATENCY_THRESHOLD_MS = 4_000;
const SLOW_PAYMENT_MS = 5_500;
const ORDINARY_ORDERS = 500;
const DECLINED_ORDERS = 40;
const SLOW_ORDERS = 20;
/** Customers placing orders at once, each waiting for its order to finish: the worker keeps up. */
const CONCURRENCY = 8;

type Kind = 'ordinary' | 'declined' | 'slow';

interface PlacedOrder {
  id: string;
  kind: Kind;
}

interface OrderRow {
  id: string;
  status: string;
  failure_reason: string | null;
  trace_id: string | null;
}

/** Runs `task` over `items`, `concurrency` at a time. */
async function pool<T>(items: T[], concurrency: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await task(items[next++]);
    }),
  );
}

/** How long a trace lasts by the Collector's latency policy: earliest start to latest end of its spans. */
const duration = (spans: RelayedSpan[]) =>
  Math.max(...spans.map((s) => s.endMs)) - Math.min(...spans.map((s) => s.startMs));

const percent = (part: number, whole: number) => `${((100 * part) / whole).toFixed(1)} %`;

/**
 * Tail sampling for real: the API and the worker (on a real Temporal server and PostgreSQL) send every span
 * (100 % head sampling) to the OpenTelemetry Collector of ops/otel-collector/config.yaml — run by the Jaeger
 * binary, a Collector distribution with the same components — which exports what it keeps to a second,
 * storage-only Jaeger. The processes export through a relay that forwards each export to the Collector
 * unchanged and records every span it accepted: a kept trace is complete when Jaeger holds exactly the
 * spans the processes exported for it.
 */
describeWithServers(
  ['temporal', 'jaeger'],
  'tail sampling: every span to the real Collector, which keeps error and slow traces whole and a share of the rest',
  () => {
    let jaeger: Jaeger | undefined;
    let collector: OtelCollector | undefined;
    let relay: OtlpRelay | undefined;
    let live: LiveTopology | undefined;
    const placed: PlacedOrder[] = [];
    let rows = new Map<string, OrderRow>();

    beforeAll(async () => {
      jaeger = await startJaeger();
      collector = await startOtelCollector(jaeger.otlpEndpoint, {
        TAIL_SAMPLING_DECISION_WAIT: `${DECISION_WAIT_S}s`,
        TAIL_SAMPLING_LATENCY_MS: String(LATENCY_THRESHOLD_MS),
        // The configured share (10 %) is the default: not set here.
        COLLECTOR_BATCH_TIMEOUT: '200ms',
      });
      relay = await startOtlpRelay(collector.otlpEndpoint);
      const tracing = {
        OTEL_EXPORTER_OTLP_ENDPOINT: relay.endpoint,
        OTEL_TRACES_SAMPLER: 'parentbased_always_on',
        OTEL_BSP_SCHEDULE_DELAY: '200',
      };
      live = await startLiveTopology({
        apiEnv: { ...tracing, OTEL_SERVICE_NAME: 'orders-api' },
        workerEnv: { ...tracing, OTEL_SERVICE_NAME: 'orders-worker' },
      });
      await insertProduct(live.db, SKU, 1_000_000);
    }, 180_000);

    afterAll(async () => {
      await live?.close();
      await relay?.close();
      await collector?.stop();
      await jaeger?.stop();
    }, 60_000);

    /** Orders still running, and who waits for each: one status query for all of them every 200 ms. */
    const waiting = new Map<string, { done: () => void; failed: (error: unknown) => void }>();
    let polling: Promise<void> | undefined;
    const pollStatuses = async () => {
      try {
        while (waiting.size > 0) {
          const done = await live!.db.query<{ id: string }>(
            `SELECT id FROM orders WHERE id = ANY($1) AND status IN ('COMPLETED', 'FAILED', 'CANCELLED')`,
            [[...waiting.keys()]],
          );
          for (const { id } of done) {
            waiting.get(id)?.done();
            waiting.delete(id);
          }
          await sleep(200);
        }
      } catch (error) {
        for (const waiter of waiting.values()) waiter.failed(error);
        waiting.clear();
      } finally {
        polling = undefined;
      }
    };
    /** Resolves once the order is COMPLETED, FAILED or CANCELLED; fails after a minute. */
    const finished = (id: string) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting.delete(id);
          reject(new Error(`order ${id} did not finish within 60 s`));
        }, 60_000);
        const settle = (outcome: () => void) => {
          clearTimeout(timer);
          outcome();
        };
        waiting.set(id, {
          done: () => settle(resolve),
          failed: (error) => settle(() => reject(error instanceof Error ? error : new Error(String(error)))),
        });
        polling ??= pollStatuses();
      });

    const place = async (kind: Kind) => {
      const body = orderBody({ items: [{ sku: SKU, quantity: 1 }] });
      if (kind === 'declined') body.payment.cardNumber = DECLINED_CARD;
      const response = await live!.request('POST', '/orders', body);
      expect(response.status).toBe(202);
      const id = response.body.id as string;
      placed.push({ id, kind });
      await finished(id);
    };

    it('places ordinary orders, declined cards and (with the payment provider slowed) slow orders', async () => {
      const started = Date.now();
      // Declined cards among the ordinary orders, spread evenly.
      const total = ORDINARY_ORDERS + DECLINED_ORDERS;
      const kinds = Array.from({ length: total }, (_, i): Kind =>
        Math.floor((i * DECLINED_ORDERS) / total) !== Math.floor(((i + 1) * DECLINED_ORDERS) / total)
          ? 'declined'
          : 'ordinary',
      );
      await pool(kinds, CONCURRENCY, place);
      const mixedSeconds = (Date.now() - started) / 1000;

      await live!.setFaults({ payment: { latencyMs: SLOW_PAYMENT_MS } });
      await pool(Array.from({ length: SLOW_ORDERS }), SLOW_ORDERS, () => place('slow'));
      await live!.clearFaults();

      const found = await live!.db.query<OrderRow>(
        'SELECT id, status, failure_reason, trace_id FROM orders WHERE id = ANY($1)',
        [placed.map((o) => o.id)],
      );
      rows = new Map(found.map((row) => [row.id, row]));
      const outcomes = placed.reduce<Record<string, number>>((count, { id, kind }) => {
        const row = rows.get(id)!;
        const key = `${kind} ${row.status}${row.failure_reason ? ` ${row.failure_reason}` : ''}`;
        return { ...count, [key]: (count[key] ?? 0) + 1 };
      }, {});
      expect(outcomes).toEqual({
        'ordinary COMPLETED': placed.filter((o) => o.kind === 'ordinary').length,
        'declined FAILED PAYMENT_DECLINED': placed.filter((o) => o.kind === 'declined').length,
        'slow COMPLETED': SLOW_ORDERS,
      });
      expect(placed.filter((o) => o.kind === 'ordinary').length).toBeGreaterThanOrEqual(ORDINARY_ORDERS);
      // Every order keeps the trace id of the request that placed it (head sampling keeps them all).
      expect(placed.filter((o) => !/^[0-9a-f]{32}$/.test(rows.get(o.id)!.trace_id ?? ''))).toEqual([]);
      console.log(
        `placed ${placed.length} orders in ${((Date.now() - started) / 1000).toFixed(0)} s: ` +
          `${JSON.stringify(outcomes)}; ordinary and declined ones in ${mixedSeconds.toFixed(0)} s, ` +
          `${CONCURRENCY} at a time`,
      );
    }, 360_000);

    it('keeps every error trace and every slow trace whole, and the configured share of the others', async () => {
      expect(placed.length).toBeGreaterThan(0); // the orders of the test above
      // The last spans reached the Collector; each trace is decided decision_wait (+ up to 1 s) after its
      // first span arrived; then the Collector's batch and Jaeger's own.
      await waitFor(
        async () => Date.now() - relay!.lastExportAt(),
        (idle) => idle > 2_000,
        60_000,
        250,
      );
      await sleep((DECISION_WAIT_S + 2) * 1_000);
      const sent = async () =>
        valueOf(parseExposition(await collector!.metrics()), 'otelcol_exporter_sent_spans_total');
      let previous = -1;
      await waitFor(
        async () => {
          const [before, now] = [previous, await sent()];
          previous = now;
          return now === before;
        },
        Boolean,
        30_000,
        1_000,
      );
      expect(relay!.refusals).toEqual([]);

      interface Verdict {
        kind: Kind;
        traceId: string;
        exported: RelayedSpan[];
        kept: boolean;
        complete: boolean;
        missing: string[];
      }
      const verdicts: Verdict[] = [];
      for (const { id, kind } of placed) {
        const traceId = rows.get(id)!.trace_id!;
        const exported = relay!.traces.get(traceId) ?? [];
        const stored = await jaeger!.trace(traceId);
        const storedIds = new Set(stored.map((s) => s.spanId));
        const missing = exported.filter((s) => !storedIds.has(s.spanId)).map((s) => `${s.service} ${s.name}`);
        const extra = stored.filter((s) => !exported.some((e) => e.spanId === s.spanId));
        verdicts.push({
          kind,
          traceId,
          exported,
          kept: stored.length > 0,
          complete: stored.length > 0 && missing.length === 0 && extra.length === 0,
          missing,
        });
      }
      const of = (kind: Kind) => verdicts.filter((v) => v.kind === kind);

      // What each kind of trace was when it left the processes: one tree from the API's POST /orders into
      // the worker; the declined ones with an error span, the slow ones longer than the threshold, the
      // ordinary ones neither.
      for (const v of verdicts) {
        const roots = v.exported.filter((s) => !s.parentSpanId);
        expect({ trace: v.traceId, roots: roots.map((s) => `${s.service} ${s.name}`) }).toEqual({
          trace: v.traceId,
          roots: ['orders-api POST /orders'],
        });
        expect(new Set(v.exported.map((s) => s.service))).toEqual(new Set(['orders-api', 'orders-worker']));
      }
      const errorSpans = (v: Verdict) => v.exported.filter((s) => s.statusCode === 2);
      expect(
        of('declined')
          .filter((v) => errorSpans(v).length === 0)
          .map((v) => v.traceId),
      ).toEqual([]);
      expect(
        of('slow')
          .filter((v) => duration(v.exported) < LATENCY_THRESHOLD_MS)
          .map((v) => [v.traceId, duration(v.exported)]),
      ).toEqual([]);
      const ordinary = of('ordinary');
      expect(ordinary.filter((v) => errorSpans(v).length > 0).map((v) => v.traceId)).toEqual([]);
      const ordinaryDurations = ordinary.map((v) => duration(v.exported)).sort((a, b) => a - b);
      const longest = ordinaryDurations.at(-1)!;
      // An ordinary order that a busy machine made as long as the threshold is a slow trace to the
      // Collector: kept by its latency policy, so not one of "the rest" the share applies to.
      const slowOrdinary = ordinary.filter((v) => duration(v.exported) >= LATENCY_THRESHOLD_MS);
      const rest = ordinary.filter((v) => duration(v.exported) < LATENCY_THRESHOLD_MS);
      expect(rest.length).toBeGreaterThanOrEqual(0.9 * ordinary.length);

      const declined = of('declined');
      const slow = of('slow');
      const keptOrdinary = ordinary.filter((v) => v.kept);
      const keptRest = rest.filter((v) => v.kept);
      const kept = verdicts.filter((v) => v.kept);
      const complete = kept.filter((v) => v.complete);
      const spans = (list: Verdict[]) => list.reduce((sum, v) => sum + v.exported.length, 0);
      const metrics = parseExposition(await collector!.metrics());
      const counter = (name: string, labels: Record<string, string> = {}) => valueOf(metrics, name, labels);
      console.log(
        [
          `Collector: decision_wait ${DECISION_WAIT_S} s, latency threshold ${LATENCY_THRESHOLD_MS} ms, share 10 % (default)`,
          `error traces (declined cards) kept: ${declined.filter((v) => v.kept).length}/${declined.length}`,
          `slow traces (payment ${SLOW_PAYMENT_MS} ms) kept: ${slow.filter((v) => v.kept).length}/${slow.length}, ` +
            `shortest ${Math.min(...slow.map((v) => duration(v.exported))).toFixed(0)} ms`,
          `ordinary traces kept: ${keptOrdinary.length}/${ordinary.length} = ${percent(keptOrdinary.length, ordinary.length)}; ` +
            `under the threshold: ${keptRest.length}/${rest.length} = ${percent(keptRest.length, rest.length)}, ` +
            `over it (kept as slow): ${slowOrdinary.filter((v) => v.kept).length}/${slowOrdinary.length}; ` +
            `their durations p50 ${ordinaryDurations[Math.floor(ordinaryDurations.length / 2)].toFixed(0)} ms, ` +
            `p99 ${ordinaryDurations[Math.floor(ordinaryDurations.length * 0.99)].toFixed(0)} ms, max ${longest.toFixed(0)} ms`,
          `complete (Jaeger holds exactly the spans the API and the worker exported): ${complete.length}/${kept.length} kept traces, ` +
            `${spans(complete)} spans; ${spans(verdicts)} spans exported for the ${verdicts.length} orders`,
          `Collector counters: received ${counter('otelcol_receiver_accepted_spans_total')} spans, ` +
            `refused ${counter('otelcol_receiver_refused_spans_total')}, ` +
            `traces sampled ${counter('otelcol_processor_tail_sampling_global_count_traces_sampled_total', { sampled: 'true' })} / ` +
            `not sampled ${counter('otelcol_processor_tail_sampling_global_count_traces_sampled_total', { sampled: 'false' })}, ` +
            `dropped too early ${counter('otelcol_processor_tail_sampling_sampling_trace_dropped_too_early_total')}, ` +
            `sent to Jaeger ${counter('otelcol_exporter_sent_spans_total')}, send failed ${counter('otelcol_exporter_send_failed_spans_total')}`,
        ].join('\n'),
      );

      expect(declined.filter((v) => !v.complete).map((v) => [v.traceId, v.missing])).toEqual([]);
      expect(slow.filter((v) => !v.complete).map((v) => [v.traceId, v.missing])).toEqual([]);
      expect(slowOrdinary.filter((v) => !v.complete).map((v) => [v.traceId, v.missing])).toEqual([]);
      expect(keptOrdinary.filter((v) => !v.complete).map((v) => [v.traceId, v.missing])).toEqual([]);
      // 10 % of 500: 50 expected; 5–15 % is more than 3.5 standard deviations (6.7) either side.
      expect(keptRest.length / rest.length).toBeGreaterThanOrEqual(0.05);
      expect(keptRest.length / rest.length).toBeLessThanOrEqual(0.15);
    }, 180_000);

    it("serves the Collector's own metrics, with its refused, failed and dropped span counters", async () => {
      const names = (text: string) => new Set(parseExposition(text).samples.map((s) => s.name));
      const text = names(await collector!.metrics());
      // What Prometheus 3 negotiates first (OpenMetrics) names them the same.
      const openMetrics = names(
        await collector!.metrics('application/openmetrics-text;version=1.0.0;charset=utf-8'),
      );
      const counters = [
        // Spans refused at the door: the memory limiter said no (the exporters retry, then drop).
        'otelcol_receiver_refused_spans_total',
        'otelcol_receiver_accepted_spans_total',
        // Traces evicted (num_traces) before their decision: their spans are lost.
        'otelcol_processor_tail_sampling_sampling_trace_dropped_too_early_total',
        'otelcol_processor_tail_sampling_global_count_traces_sampled_total',
        // Spans Jaeger never got after the exporter's retries.
        'otelcol_exporter_send_failed_spans_total',
        'otelcol_exporter_sent_spans_total',
        'otelcol_processor_accepted_spans_total',
      ];
      for (const name of counters) {
        expect({ name, text: text.has(name), openMetrics: openMetrics.has(name) }).toEqual({
          name,
          text: true,
          openMetrics: true,
        });
      }
      const exposition = parseExposition(await collector!.metrics());
      expect(valueOf(exposition, 'otelcol_receiver_refused_spans_total')).toBe(0);
      expect(valueOf(exposition, 'otelcol_exporter_send_failed_spans_total')).toBe(0);
      expect(
        valueOf(exposition, 'otelcol_processor_tail_sampling_sampling_trace_dropped_too_early_total'),
      ).toBe(0);
      expect(
        exposition.samples.find((s) => s.name === 'otelcol_processor_accepted_spans_total')?.labels,
      ).toEqual({
        processor: 'memory_limiter',
      });
      expect(
        exposition.samples.filter((s) => s.name === 'otelcol_exporter_queue_capacity').map((s) => s.labels),
      ).toEqual([{ data_type: 'traces', exporter: 'otlphttp/jaeger' }]);
      console.log(
        `Collector metrics at ${collector!.metricsUrl}: ` +
          [...text]
            .filter((n) => /refused|failed|dropped|accepted|sent|sampled/.test(n))
            .sort()
            .join(', '),
      );
    });
  },
);
