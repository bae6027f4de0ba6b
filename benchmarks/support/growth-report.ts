import type { FillStep } from './growth-data';
import type { Storage } from './growth-storage';
import type { Latency } from './growth-timing';
import type { Machine } from './report';

/** A ratio largest size / smallest size above this is flagged. */
export const GROWTH_FLAG = 1.5;

/** A measured call at one size: its latencies, or why it has none. */
export type CallResult = Latency | { unavailable: string };

/** Everything measured at one size. */
export interface SizeResult {
  orders: number;
  fill: FillStep;
  storage: Storage;
  /** Unfinished orders when the calls were measured. */
  unfinished: { inFlight: number; stuck: number };
  /** By call name, in the order of `GrowthReport.calls`. */
  calls: Record<string, CallResult>;
  notes: string[];
}

export interface GrowthReport {
  /** How it ran: sizes asked for, samples, unfinished orders. */
  settings: Record<string, string | number>;
  /** The calls, in the order they are measured and printed. */
  calls: string[];
  sizes: SizeResult[];
  /** The first size asked for that was not filled, and why. */
  stopped?: { size: number; reason: string };
  notes: string[];
}

/** 10k, 1M, 10M; other counts written out. */
export function sizeLabel(orders: number): string {
  if (orders >= 1e6 && orders % 1e6 === 0) return `${orders / 1e6}M`;
  if (orders >= 1e3 && orders % 1e3 === 0) return `${orders / 1e3}k`;
  return orders.toLocaleString('en-US');
}

/** Milliseconds with two significant decimals below 10, one below 100. */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return 'n/a';
  if (ms < 10) return ms.toFixed(2);
  if (ms < 100) return ms.toFixed(1);
  return Math.round(ms).toLocaleString('en-US');
}

/** `value` largest / smallest, flagged with ⚠ above `GROWTH_FLAG`. */
export function formatGrowth(ratio: number): string {
  if (!Number.isFinite(ratio)) return 'n/a';
  return `${ratio.toFixed(2)}${ratio > GROWTH_FLAG ? ' ⚠' : ''}`;
}

/** A call's p50 and p99 at the largest size measured divided by the same at the smallest. */
export function growthOf(report: GrowthReport, call: string): { p50: number; p99: number } | undefined {
  const measured = report.sizes.filter((size) => 'p50' in (size.calls[call] ?? { unavailable: '' }));
  if (measured.length < 2) return undefined;
  const [first, last] = [measured[0].calls[call] as Latency, measured.at(-1)!.calls[call] as Latency];
  return { p50: last.p50 / first.p50, p99: last.p99 / first.p99 };
}

/** The latency table: each call's p50 / p99 at each size, then largest / smallest for each. */
export function latencyTable(report: GrowthReport): string {
  const labels = report.sizes.map((size) => sizeLabel(size.orders));
  const growthHeader =
    report.sizes.length > 1
      ? [`p50 ${labels.at(-1)} / ${labels[0]}`, `p99 ${labels.at(-1)} / ${labels[0]}`]
      : [];
  const rows = report.calls.map((call) => {
    const growth = growthOf(report, call);
    return [
      call,
      ...report.sizes.map((size) => {
        const result = size.calls[call];
        if (result === undefined) return '—';
        if ('unavailable' in result) return result.unavailable;
        return `${formatMs(result.p50)} / ${formatMs(result.p99)}`;
      }),
      ...(report.sizes.length > 1
        ? growth
          ? [formatGrowth(growth.p50), formatGrowth(growth.p99)]
          : ['—', '—']
        : []),
    ];
  });
  return markdownTable(['Call', ...labels.map((label) => `${label}: p50 / p99 ms`), ...growthHeader], rows, [
    'left',
    ...labels.map(() => 'right' as const),
    ...growthHeader.map(() => 'right' as const),
  ]);
}

/** Bytes per order of each table (all of it / its indexes) and of the whole database, at each size. */
export function storageTable(report: GrowthReport): string {
  const labels = report.sizes.map((size) => sizeLabel(size.orders));
  const tables = [...new Set(report.sizes.flatMap((size) => size.storage.tables.map((t) => t.table)))];
  const perOrder = (bytes: number, orders: number) => Math.round(bytes / orders).toLocaleString('en-US');
  const largest = report.sizes.at(-1);
  const largestTotal = largest?.storage.tables.reduce((sum, t) => sum + t.totalBytes, 0) ?? 0;
  // Tables under 1 % of the total at the largest size (the catalog, settings, counters) in one row.
  const small = new Set(
    tables.filter(
      (table) =>
        (largest?.storage.tables.find((t) => t.table === table)?.totalBytes ?? 0) < largestTotal / 100,
    ),
  );
  const sumOf = (size: SizeResult, names: (table: string) => boolean) => {
    const chosen = size.storage.tables.filter((t) => names(t.table));
    return {
      total: chosen.reduce((sum, t) => sum + t.totalBytes, 0),
      indexes: chosen.reduce((sum, t) => sum + t.indexBytes, 0),
    };
  };
  const rows = [
    ...tables
      .filter((table) => !small.has(table))
      .map((table) => [
        table,
        ...report.sizes.map((size) => {
          const found = size.storage.tables.find((t) => t.table === table);
          return found
            ? `${perOrder(found.totalBytes, size.orders)} / ${perOrder(found.indexBytes, size.orders)}`
            : '—';
        }),
      ]),
    ...(small.size > 0
      ? [
          [
            `${small.size} other tables`,
            ...report.sizes.map((size) => {
              const { total, indexes } = sumOf(size, (table) => small.has(table));
              return `${perOrder(total, size.orders)} / ${perOrder(indexes, size.orders)}`;
            }),
          ],
        ]
      : []),
  ];
  const totals = [
    '**all tables** (total / indexes)',
    ...report.sizes.map((size) => {
      const total = size.storage.tables.reduce((sum, t) => sum + t.totalBytes, 0);
      const indexes = size.storage.tables.reduce((sum, t) => sum + t.indexBytes, 0);
      return `**${perOrder(total, size.orders)} / ${perOrder(indexes, size.orders)}**`;
    }),
  ];
  const database = [
    'database (`pg_database_size`)',
    ...report.sizes.map(
      (size) =>
        `${perOrder(size.storage.databaseBytes, size.orders)} (${gigabytes(size.storage.databaseBytes)})`,
    ),
  ];
  return markdownTable(
    ['Table: bytes per order (total / indexes)', ...labels],
    [...rows, totals, database],
    ['left', ...labels.map(() => 'right' as const)],
  );
}

/** How each size was filled: orders added, seconds, rate, VACUUM ANALYZE, rows of the largest tables. */
export function fillTable(report: GrowthReport): string {
  const rows = report.sizes.map((size) => [
    sizeLabel(size.orders),
    size.fill.added.toLocaleString('en-US'),
    size.fill.insertS.toFixed(1),
    Math.round(size.fill.added / Math.max(size.fill.insertS, 1e-3)).toLocaleString('en-US'),
    size.fill.vacuumAnalyzeS.toFixed(1),
    `${size.unfinished.inFlight} / ${size.unfinished.stuck}`,
  ]);
  return markdownTable(
    ['Size', 'orders added', 'insert s', 'orders/s', 'VACUUM ANALYZE s', 'unfinished: in flight / stuck'],
    rows,
    ['left', 'right', 'right', 'right', 'right', 'right'],
  );
}

/** The section to paste into BENCHMARKS.md: machine, command, sizes, then the three tables and the notes. */
export function growthMarkdown(machine: Machine, command: string, report: GrowthReport): string {
  const sizes = report.sizes.map((size) => size.orders.toLocaleString('en-US')).join(', ');
  const notes = [
    ...report.notes,
    ...report.sizes.flatMap((size) => size.notes.map((note) => `${sizeLabel(size.orders)}: ${note}`)),
  ];
  return [
    `### Results of ${machine.date.slice(0, 10)}`,
    '',
    `- Machine: \`nproc\` = ${machine.nproc} (${machine.cpuModel}), ${machine.memoryGiB} GiB memory, ${machine.os}, ` +
      `load average at start ${machine.loadAverage.join(' / ')}`,
    `- Software: Node ${machine.node}, PostgreSQL ${machine.postgres}`,
    `- Command: \`${command}\``,
    `- Settings: ${Object.entries(report.settings)
      .map(([key, value]) => `${key} ${value}`)
      .join('; ')}`,
    `- Sizes measured: ${sizes || 'none'}` +
      (report.stopped
        ? `; not ${report.stopped.size.toLocaleString('en-US')}: ${report.stopped.reason}`
        : ''),
    '',
    `Latency, p50 / p99 in ms; the last two columns divide the largest size's by the smallest's (⚠ above ${GROWTH_FLAG}):`,
    '',
    latencyTable(report),
    '',
    'Bytes per order, each table with its TOAST and indexes / its indexes alone:',
    '',
    storageTable(report),
    '',
    'Filling:',
    '',
    fillTable(report),
    ...(notes.length > 0 ? ['', ...notes.map((note) => `- ${note}`)] : []),
    '',
  ].join('\n');
}

/** A Markdown table with its columns padded to one width, as prettier formats them. */
export function markdownTable(
  header: string[],
  rows: string[][],
  align: Array<'left' | 'right'> = header.map(() => 'left'),
): string {
  const widths = header.map((cell, i) => Math.max(3, width(cell), ...rows.map((row) => width(row[i] ?? ''))));
  const pad = (cell: string, i: number) =>
    align[i] === 'right'
      ? ' '.repeat(widths[i] - width(cell)) + cell
      : cell + ' '.repeat(widths[i] - width(cell));
  const line = (cells: string[]) => `| ${cells.map((cell, i) => pad(cell, i)).join(' | ')} |`;
  const rule = `| ${widths.map((w, i) => (align[i] === 'right' ? `${'-'.repeat(w - 1)}:` : '-'.repeat(w))).join(' | ')} |`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

/** Display width: ⚠ and other characters count as one column each. */
function width(text: string): number {
  return [...text].length;
}

const gigabytes = (bytes: number) =>
  bytes >= 1e9 ? `${(bytes / 1e9).toFixed(1)} GB` : `${Math.round(bytes / 1e6).toLocaleString('en-US')} MB`;
