import type { CampaignResult, StatusClass } from './fuzz-campaign';
import { OFF_DOCUMENT } from './fuzz-request';

const CLASSES: readonly StatusClass[] = ['2xx', '3xx', '4xx', '5xx', 'no answer'];

/**
 * One line: `schema fuzzing, seed 42 (plan 3f2a…): 2000 requests in 21.3 s (94/s): 2xx 540, 4xx 1460,
 * 5xx 0, no answer 0; 12/12 operations covered; 0 failures`.
 */
export function formatSummary(result: CampaignResult): string {
  const classes = CLASSES.filter((c) => c !== '3xx' || result.byClass[c] > 0)
    .map((c) =>
      c === '5xx' && result.documentedUnavailable
        ? `5xx ${result.byClass[c]} (${result.documentedUnavailable} documented 503: a dependency was down)`
        : `${c} ${result.byClass[c]}`,
    )
    .join(', ');
  const seconds = result.durationMs / 1000;
  const covered = result.operations.length - result.uncovered.length;
  return (
    `schema fuzzing, seed ${result.seed} (plan ${result.fingerprint}): ${result.requests} requests in ` +
    `${seconds.toFixed(1)} s (${Math.round(result.requests / Math.max(seconds, 0.001))}/s): ${classes}; ` +
    `${covered}/${result.operations.length} operations covered` +
    (result.uncovered.length ? ` (not: ${result.uncovered.join(', ')})` : '') +
    `; ${result.failures.length} failure${result.failures.length === 1 ? '' : 's'}`
  );
}

/** Requests per operation and status class, and the statuses seen. */
export function formatBreakdown(result: CampaignResult): string {
  const rows = [...result.operations, OFF_DOCUMENT].map((key) => {
    const counts = result.byOperation.get(key);
    return [key, ...CLASSES.map((c) => String(counts?.[c] ?? 0))];
  });
  const header = ['operation', ...CLASSES];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  const statuses = [...result.byStatus]
    .sort(([a], [b]) => a - b)
    .map(([s, n]) => `${s}×${n}`)
    .join(' ');
  const slowest = result.slowest
    ? [`slowest: ${result.slowest.ms} ms, #${result.slowest.index} ${result.slowest.request.slice(0, 200)}`]
    : [];
  return [line(header), ...rows.map(line), `statuses: ${statuses}`, ...slowest].join('\n');
}

/**
 * The failures, grouped by problem (numbers in field paths and timings folded), each with the
 * operations it was seen on and its first `examples` in full: the request, its curl and the answer.
 */
export function formatFailures(result: CampaignResult, examples = 2): string {
  const groups = new Map<string, CampaignResult['failures']>();
  for (const failure of result.failures)
    for (const problem of failure.problems.length ? failure.problems : ['(replayed)']) {
      const key = problem.replace(/\.\d+\./g, '.N.').replace(/\d+ ms/, 'N ms');
      groups.set(key, [...(groups.get(key) ?? []), failure]);
    }
  const lines: string[] = [];
  for (const [problem, failures] of groups) {
    const operations = [...new Set(failures.map((f) => f.operation))];
    lines.push(`✗ ${problem} (${failures.length}×: ${operations.join(', ')})`);
    for (const failure of failures.slice(0, examples))
      lines.push(
        `    #${failure.index} ${failure.request}`,
        `      ${failure.curl}`,
        `      → ${failure.response.replace(/\s+/g, ' ')}`,
      );
  }
  if (result.failures.length)
    lines.push(
      `send one again: npm run fuzz -- --seed ${result.seed} --runs ${result.runs} --replay <#index> [--url … --key-file …]`,
    );
  return lines.join('\n');
}
