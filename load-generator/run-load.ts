import autocannon from 'autocannon';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { checkApi } from './api-client';
import { createCredentials } from './credentials';
import { resolveOptions, type LoadOptionsInput } from './options';
import { collectOutcomes, type OrderOutcomes } from './outcomes';
import { seededRandom } from './random';
import type { LoadSummary, ProgressSnapshot } from './report';
import { LoadStatistics, type LatencySummary } from './statistics';
import { TrafficMix, type PlannedRequest, type ResponseHeaders } from './traffic-mix';

export interface RunHooks {
  /** Called once per second while traffic flows. */
  onProgress?: (progress: ProgressSnapshot) => void;
  /** `draining`: no new traffic, waiting for answers; `outcomes`: polling the placed orders. */
  onPhase?: (phase: 'draining' | 'outcomes', detail: { orders: number; settleMs: number }) => void;
  /** Aborting ends the traffic early; the summary still comes (with stoppedBy "signal"). */
  signal?: AbortSignal;
}

/** What autocannon hands back to `onResponse` for each request `setupRequest` built. */
interface RequestContext {
  planned?: PlannedRequest;
  sentAt?: number;
  probe?: boolean;
  answered?: boolean;
}

/** autocannon needs a duration; runs without one are stopped by the caller long before this. */
const UNBOUNDED_SECONDS = 500 * 3600;
/** How often autocannon checks whether to stop: stopping takes at most this long. */
const SAMPLE_INTERVAL_MS = 100;

/**
 * Sends the traffic mix at `rate` requests per second (autocannon's overallRate) until the duration
 * ends or `signal` aborts, then lets the requests in flight finish, polls the placed orders for their
 * outcome and resolves the summary. Throws ApiUnavailableError when the API is unreachable or not
 * ready, OptionsError for invalid options.
 *
 * While the last answers are awaited, connections send only `GET /health/live` probes (autocannon
 * keeps every connection busy until it stops); they are not counted. So every order the API accepted
 * is known when the summary is made.
 */
export async function runLoad(input: LoadOptionsInput, hooks: RunHooks = {}): Promise<LoadSummary> {
  const options = resolveOptions(input);
  const credentials = await createCredentials(options);
  const catalog = await checkApi(options.url, options.timeoutMs);
  const seed = options.seed ?? randomBytes(4).readUInt32BE();
  const mix = new TrafficMix(
    { ...options, credentials, runTag: randomBytes(4).toString('hex') },
    catalog,
    seededRandom(seed),
  );
  const stats = new LoadStatistics();
  const target = new URL(options.url);
  const basePath = target.pathname.replace(/\/+$/, '');
  const probe: PlannedRequest = {
    action: 'browse',
    method: 'GET',
    path: '/health/live',
    headers: {},
    expected: [200],
  };

  const inFlight = new Set<RequestContext>();
  let draining = false;

  const setupRequest = (request: autocannon.Request, context: object): autocannon.Request => {
    const ctx = context as RequestContext;
    const planned = draining ? probe : mix.next();
    ctx.planned = planned;
    ctx.probe = draining;
    ctx.sentAt = performance.now();
    if (!draining) inFlight.add(ctx);
    return {
      ...request,
      method: planned.method,
      path: basePath + planned.path,
      headers: { ...planned.headers },
      body: planned.body ?? '',
    };
  };
  const onResponse = (status: number, _body: string, context: object, headers?: ResponseHeaders) => {
    const ctx = context as RequestContext;
    if (!ctx.planned || ctx.probe || ctx.answered) return;
    ctx.answered = true;
    inFlight.delete(ctx);
    stats.recordResponse(ctx.planned.action, status, performance.now() - ctx.sentAt!, ctx.planned.expected);
    mix.tally(ctx.planned, status, headers ?? {});
  };
  /** Requests still awaiting an answer; those older than the timeout have failed (and were counted). */
  const awaitingAnswers = () => {
    const now = performance.now();
    for (const ctx of inFlight) if (now - ctx.sentAt! >= options.timeoutMs) inFlight.delete(ctx);
    return inFlight.size;
  };

  const started = performance.now();
  const startedAt = new Date();
  let settle!: { resolve: () => void; reject: (error: Error) => void };
  const finished = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
  const instance = autocannon(
    {
      url: target.origin,
      connections: options.connections,
      overallRate: options.rate,
      duration: UNBOUNDED_SECONDS,
      timeout: options.timeoutMs / 1000,
      sampleInt: SAMPLE_INTERVAL_MS,
      requests: [{ setupRequest, onResponse }],
    },
    (error) =>
      error ? settle.reject(error instanceof Error ? error : new Error(String(error))) : settle.resolve(),
  );
  // A timeout always costs the request in flight. A connection error costs one only when a request was
  // waiting: while the API is down autocannon reconnects continuously, and failed attempts that carried
  // no request are not failed requests.
  instance.on('reqError', (error: Error) => {
    const timedOut = error?.message === 'request timed out';
    const [oldest] = inFlight;
    if (!timedOut && !oldest) return;
    if (oldest) inFlight.delete(oldest);
    stats.recordFailure(timedOut ? 'timeout' : 'connection');
  });

  const progress = setInterval(() => {
    const interval = stats.takeInterval();
    awaitingAnswers(); // forgets requests that timed out
    hooks.onProgress?.({
      elapsedMs: performance.now() - started,
      rate: interval.rate,
      requests: interval.totalResponses,
      errors: interval.totalErrors,
      p95: interval.p95,
    });
  }, 1000);
  let durationTimer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const stopRequested = new Promise<'duration' | 'signal'>((resolve) => {
    if (options.durationMs !== undefined)
      durationTimer = setTimeout(() => resolve('duration'), options.durationMs);
    onAbort = () => resolve('signal');
    if (hooks.signal?.aborted) onAbort();
    else hooks.signal?.addEventListener('abort', onAbort, { once: true });
  });

  let stoppedBy: 'duration' | 'signal';
  let ended: number;
  try {
    stoppedBy = await Promise.race([stopRequested, finished.then(() => 'duration' as const)]);
    clearInterval(progress);
    draining = true;
    hooks.onPhase?.('draining', { orders: mix.placedOrders().size, settleMs: options.settleMs });
    const drainDeadline = performance.now() + options.timeoutMs + 500;
    while (awaitingAnswers() > 0 && performance.now() < drainDeadline) await sleep(10);
    ended = performance.now();
    instance.stop();
    await finished;
  } finally {
    clearInterval(progress);
    clearTimeout(durationTimer);
    if (onAbort) hooks.signal?.removeEventListener('abort', onAbort);
    instance.stop();
  }

  const placed = mix.placedOrders();
  let outcomes: OrderOutcomes | null = null;
  if (options.settleMs > 0 && placed.size > 0) {
    hooks.onPhase?.('outcomes', { orders: placed.size, settleMs: options.settleMs });
    outcomes = await collectOutcomes(options.url, placed, credentials, {
      settleMs: options.settleMs,
      timeoutMs: options.timeoutMs,
    });
  }

  const totals = stats.totals();
  const durationSeconds = round((ended - started) / 1000, 3);
  return {
    url: options.url,
    startedAt: startedAt.toISOString(),
    durationSeconds,
    stoppedBy,
    rate: options.rate,
    connections: Math.min(options.connections, options.rate),
    seed,
    requests: totals.responses,
    throughput: durationSeconds > 0 ? round(totals.responses / durationSeconds, 2) : 0,
    latencyMs: roundLatencies(totals.latencyMs),
    errors: totals.errors,
    intendedRejections: totals.intendedRejections,
    unexpectedStatuses: totals.unexpectedStatuses,
    statuses: totals.statuses,
    actions: totals.actions,
    orders: mix.orderCounts(),
    outcomes,
  };
}

const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;

/** Microsecond precision is plenty for a summary. */
function roundLatencies(latency: LatencySummary): LatencySummary {
  const r = (v: number | null) => (v === null ? null : round(v, 3));
  return { p50: r(latency.p50), p95: r(latency.p95), p99: r(latency.p99), max: r(latency.max) };
}
