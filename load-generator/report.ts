import type { OrderOutcomes } from './outcomes';
import type { ErrorCounts, LatencySummary } from './statistics';
import { ACTIONS, type Action, type OrderCounts } from './traffic-mix';

/** Reported once per second while the load runs. */
export interface ProgressSnapshot {
  elapsedMs: number;
  /** Responses per second over the last interval. */
  rate: number;
  /** Responses so far. */
  requests: number;
  /** 5xx answers, timeouts and connection errors so far. */
  errors: number;
  /** p95 latency of the last interval, in ms (null when nothing was answered). */
  p95: number | null;
}

/** What `runLoad` resolves with; `--json` prints it as is. */
export interface LoadSummary {
  url: string;
  startedAt: string;
  durationSeconds: number;
  stoppedBy: 'duration' | 'signal';
  rate: number;
  connections: number;
  seed: number;
  /** Responses received (every request that got an HTTP answer). */
  requests: number;
  /** Responses per second over the whole run. */
  throughput: number;
  latencyMs: LatencySummary;
  errors: ErrorCounts;
  intendedRejections: number;
  unexpectedStatuses: number;
  statuses: Record<string, number>;
  actions: Partial<Record<Action, number>>;
  orders: OrderCounts;
  /** Null when the outcome check was skipped (settle 0 or no order placed). */
  outcomes: OrderOutcomes | null;
}

export function formatProgress(p: ProgressSnapshot): string {
  return [
    formatElapsed(p.elapsedMs).padStart(6),
    `${p.rate.toFixed(1).padStart(7)} req/s`,
    `requests ${p.requests}`,
    `errors ${p.errors}`,
    `p95 ${formatMs(p.p95)}`,
  ].join('  ');
}

export function formatSummary(s: LoadSummary): string {
  const lines: string[] = [];
  const row = (label: string, value: string) => lines.push(`  ${label.padEnd(14)} ${value}`);
  lines.push(`Load run against ${s.url} (seed ${s.seed})`);
  row(
    'duration',
    `${s.durationSeconds.toFixed(1)} s (${s.stoppedBy === 'signal' ? 'stopped by signal' : 'as requested'}), ` +
      `target ${s.rate} req/s on ${s.connections} connections`,
  );
  row('requests', `${s.requests} (${s.throughput.toFixed(1)} req/s)`);
  row(
    'latency',
    (['p50', 'p95', 'p99', 'max'] as const).map((k) => `${k} ${formatMs(s.latencyMs[k])}`).join(' · '),
  );
  row(
    'errors',
    `${s.errors.total} (5xx ${s.errors.status5xx}, timeouts ${s.errors.timeouts}, connection ${s.errors.connection})`,
  );
  row(
    'rejections',
    `${s.intendedRejections} intended 4xx answers, ${s.unexpectedStatuses} unexpected statuses`,
  );

  lines.push('', 'By status');
  for (const [status, count] of Object.entries(s.statuses)) row(status, String(count));

  lines.push('', 'By action');
  for (const action of ACTIONS) if (s.actions[action]) row(action, String(s.actions[action]));

  const o = s.orders;
  lines.push('', 'Orders');
  row(
    'placed',
    `${o.placed} (declined card ${o.declinedCard}, with Idempotency-Key ${o.withIdempotencyKey})`,
  );
  row('replays', `${o.replays} (${o.replaysConfirmed} answered Idempotent-Replayed: true)`);
  row('cancels', `${o.cancelsAccepted} accepted, ${o.cancelsRefused} refused (409)`);

  lines.push('');
  if (!s.outcomes) {
    lines.push('Outcomes not checked');
  } else {
    const out = s.outcomes;
    const share = (n: number) => (out.checked ? ` (${((100 * n) / out.checked).toFixed(0)} %)` : '');
    lines.push(`Outcomes of the ${out.checked} orders placed (after ${(out.waitedMs / 1000).toFixed(1)} s)`);
    row('completed', `${out.completed}${share(out.completed)}`);
    const failed = sum(out.failed);
    row('failed', `${failed}${share(failed)}${breakdown(out.failed)}`);
    row('cancelled', `${out.cancelled}${share(out.cancelled)}`);
    const running = sum(out.running);
    row('running', `${running}${share(running)}${breakdown(out.running)}`);
    if (out.unknown) row('unreadable', String(out.unknown));
  }
  return lines.join('\n');
}

/** `65_000` → `1m05s`, `9_400` → `9s`. */
export function formatElapsed(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}

export function formatMs(ms: number | null): string {
  if (ms === null) return '–';
  return ms < 10 ? `${ms.toFixed(2)} ms` : ms < 100 ? `${ms.toFixed(1)} ms` : `${Math.round(ms)} ms`;
}

const sum = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);

function breakdown(counts: Record<string, number>): string {
  const parts = Object.entries(counts)
    .sort(([, a], [, b]) => b - a)
    .map(([key, n]) => `${key} ${n}`);
  return parts.length ? ` — ${parts.join(', ')}` : '';
}
