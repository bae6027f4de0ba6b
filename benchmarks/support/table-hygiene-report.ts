import type { Machine } from './report';
import type { LoadPhaseResult } from './table-hygiene-load';
import type { TableHygiene } from './table-hygiene-stats';
import type { StatusIndexReport } from './table-hygiene-status-indexes';

export interface HygieneReport {
  /** The scratch cluster's version and autovacuum settings. */
  cluster: { version: string; settings: Record<string, string> };
  phases: LoadPhaseResult[];
  statusIndexes: StatusIndexReport;
}

const kB = (bytes: number) => Math.round(bytes / 1024).toLocaleString('en-US');
const count = (n: number) => Math.round(n).toLocaleString('en-US');
const percent = (p: number | null) => (p === null ? '—' : `${p < 10 ? p.toFixed(1) : Math.round(p)} %`);

/** The storage parameters that differ from PostgreSQL's defaults, shortened. */
function parameters(reloptions: string[]): string {
  if (reloptions.length === 0) return 'defaults';
  return reloptions
    .map((o) =>
      o
        .replace('autovacuum_vacuum_scale_factor', 'scale')
        .replace('autovacuum_vacuum_threshold', 'threshold')
        .replace('autovacuum_vacuum_insert_scale_factor', 'insert scale')
        .replace('autovacuum_vacuum_insert_threshold', 'insert threshold')
        .replace('autovacuum_analyze_scale_factor', 'analyze scale')
        .replace('autovacuum_analyze_threshold', 'analyze threshold')
        .replace('autovacuum_enabled', 'autovacuum'),
    )
    .join(', ');
}

/** How many autovacuums, when, and what they did with the dead index entries. */
function vacuums(table: TableHygiene): string {
  if (table.autovacuums === 0 && table.vacuums.length === 0) return '0';
  const cleaned = table.vacuums.filter((v) => v.indexCleanup === 'needed');
  const bypassed = table.vacuums.filter((v) => v.indexCleanup === 'bypassed');
  const detail = [
    `at ${table.vacuums.map((v) => v.atS).join(', ')} s`,
    ...(cleaned.length > 0
      ? [
          `indexes cleaned ${cleaned.length}× (${count(cleaned.reduce((n, v) => n + v.deadItems, 0))} entries)`,
        ]
      : []),
    ...(bypassed.length > 0 ? [`cleanup bypassed ${bypassed.length}×`] : []),
    ...(table.vacuums.some((v) => v.notRemovable > 0)
      ? [`${count(Math.max(...table.vacuums.map((v) => v.notRemovable)))} at most not yet removable`]
      : []),
  ];
  return `${table.autovacuums} (${detail.join('; ')})`;
}

/** One phase's table: what each hot table went through. */
export function phaseTable(phase: LoadPhaseResult): string {
  const rows = phase.hygiene.map((t) =>
    [
      `\`${t.table}\``,
      parameters(t.reloptions),
      count(t.inserted),
      count(t.updated),
      percent(t.hotPercent),
      count(t.deleted),
      count(t.liveAtEnd),
      count(t.peakDead),
      percent(t.peakDeadPercent),
      `${count(t.longestDueS)} s`,
      vacuums(t),
      count(t.autoanalyzes),
      `${kB(t.heapBytes.start)} → ${kB(t.heapBytes.end)}`,
      `${kB(t.indexBytes.start)} → ${kB(t.indexBytes.end)}`,
    ].join(' | '),
  );
  return [
    '| Table | Storage parameters | Inserts | Updates | HOT | Deletes | Live at end | Peak dead | Peak dead / live | Longest due wait | Autovacuums | Autoanalyzes | Heap kB | Indexes kB |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: |',
    ...rows.map((row) => `| ${row} |`),
  ].join('\n');
}

/** The indexes of the tables the order updates write: size, bytes per order, scans. */
export function indexTable(phase: LoadPhaseResult): string {
  const updated = new Set(phase.hygiene.filter((t) => t.updated > 0).map((t) => t.table));
  const rows = phase.indexes
    .filter((i) => updated.has(i.table))
    .map((i) =>
      [
        `\`${i.index}\``,
        `${kB(i.bytes.start)} → ${kB(i.bytes.end)}`,
        phase.orders > 0 ? count((i.bytes.end - i.bytes.start) / phase.orders) : '—',
        count(i.scans),
      ].join(' | '),
    );
  return [
    '| Index | kB | Bytes per order | Scans during the phase |',
    '| --- | ---: | ---: | ---: |',
    ...rows.map((row) => `| ${row} |`),
  ].join('\n');
}

/** Each read of the status indexes over the phase: the plan's indexes, buffers at the start, peak, end. */
export function readsTable(phase: LoadPhaseResult): string {
  const [first, last] = [phase.reads[0], phase.reads.at(-1)!];
  const rows = first.plans.map((plan, i) => {
    const series = phase.reads.map((probe) => ({ atS: probe.atS, plan: probe.plans[i] }));
    const peak = series.reduce((a, b) => (b.plan.buffers > a.plan.buffers ? b : a));
    const indexes = [...new Set(series.flatMap((s) => s.plan.indexes))];
    return [
      plan.read,
      indexes.join(', '),
      count(plan.buffers),
      `${count(peak.plan.buffers)} (at ${count(peak.atS)} s)`,
      count(last.plans[i].buffers),
    ].join(' | ');
  });
  return [
    `| Read (planned and run at every scrape, ${phase.reads.length} times) | Indexes its plans used | Buffers at the start | Peak | At the end |`,
    '| --- | --- | ---: | ---: | ---: |',
    ...rows.map((row) => `| ${row} |`),
  ].join('\n');
}

/** Two phases side by side, table by table. */
export function comparisonTable(before: LoadPhaseResult, after: LoadPhaseResult): string {
  const rows = after.hygiene.map((a) => {
    const b = before.hygiene.find((t) => t.table === a.table);
    const pair = (f: (t: TableHygiene) => string) => `${b ? f(b) : '—'} → ${f(a)}`;
    return [
      `\`${a.table}\``,
      pair((t) => percent(t.hotPercent)),
      pair((t) => count(t.peakDead)),
      pair((t) => percent(t.peakDeadPercent)),
      pair((t) => `${count(t.longestDueS)} s`),
      pair((t) => count(t.autovacuums)),
      pair((t) => kB(t.heapBytes.end)),
      pair((t) => kB(t.indexBytes.end)),
    ].join(' | ');
  });
  return [
    `| Table (${before.name} → ${after.name}) | HOT | Peak dead | Peak dead / live | Longest due wait | Autovacuums | Heap kB at end | Indexes kB at end |`,
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map((row) => `| ${row} |`),
  ].join('\n');
}

/** The status index experiment: the update side, then the reads. */
export function statusIndexTables(report: StatusIndexReport): string {
  const { options } = report;
  const indexNames = [...new Set(report.variants.flatMap((v) => Object.keys(v.indexBytesPer1000)))];
  const updates = report.variants.map((v) =>
    [
      v.variant,
      count(v.updatesPerSecond),
      percent(v.hotPercent),
      count(v.walBytesPerUpdate),
      count(v.heapBytesPer1000 / 1024),
      count(Object.values(v.indexBytesPer1000).reduce((a, b) => a + b, 0) / 1024),
      ...indexNames.map((name) =>
        v.indexBytesPer1000[name] === undefined ? 'dropped' : count(v.indexBytesPer1000[name] / 1024),
      ),
    ].join(' | '),
  );
  const reads = report.variants[0].reads.map((read, i) =>
    [
      read.read,
      ...report.variants
        .filter((v) => v.fillfactor === undefined)
        .map((v) => {
          const plan = v.reads[i];
          return plan ? `${plan.indexes.join(' + ')}: ${count(plan.buffers)} buffers` : '—';
        }),
    ].join(' | '),
  );
  const readVariants = report.variants.filter((v) => v.fillfactor === undefined);
  return [
    `${count(options.newOrders)} orders moved PENDING → COMPLETED (5 updates each) by ${options.clients} connections, ` +
      `on ${count(options.baseOrders)} orders, ${options.rounds} round(s) taking turns (medians):`,
    '',
    `| Variant | Updates/s | HOT | WAL bytes / update | Heap kB / 1,000 updates | Index kB / 1,000 updates | ${indexNames.map((n) => `\`${n}\` kB`).join(' | ')} |`,
    `| --- | ---: | ---: | ---: | ---: | ---: | ${indexNames.map(() => '---:').join(' | ')} |`,
    ...updates.map((row) => `| ${row} |`),
    '',
    `The reads, planned and run with their parameters on ${count(options.baseOrders)} orders (EXPLAIN ANALYZE: the indexes the plan uses, the buffers it touched):`,
    '',
    `| Read | ${readVariants.map((v) => v.variant).join(' | ')} |`,
    `| --- | ${readVariants.map(() => '---').join(' | ')} |`,
    ...reads.map((row) => `| ${row} |`),
  ].join('\n');
}

/** The whole run as a section for BENCHMARKS.md. */
export function hygieneMarkdown(machine: Machine, command: string, report: HygieneReport): string {
  const settings = Object.entries(report.cluster.settings)
    .map(([name, value]) => `${name.replace('autovacuum_', '')} ${value}`)
    .join(', ');
  const phases = report.phases.flatMap((phase) => [
    `### ${phase.name}`,
    '',
    `${count(phase.baseOrders)} finished orders written first, then ${count(phase.orders)} placed: load ${phase.load.durationSeconds.toFixed(0)} s (${count(phase.load.requests)} requests, ` +
      `${phase.load.throughput} req/s, ${phase.load.errors.total} errors, seed ${phase.load.seed}); the sagas ended at ` +
      `${count(phase.sagasEndedAtS)} s, the phase at ${count(phase.durationS)} s; ${count(phase.webhooksReceived)} webhooks delivered ` +
      `(deliveries pending: at most ${count(Math.max(...phase.samples.map((s) => s.pendingDeliveries)))}, ` +
      `${count(phase.samples.at(-1)!.pendingDeliveries)} at the end), ` +
      `${phase.scrapes} scrapes; load average ${phase.loadAverage.start.join(' / ')} at the start, ${phase.loadAverage.end.join(' / ')} at the end.`,
    '',
    phaseTable(phase),
    '',
    indexTable(phase),
    '',
    readsTable(phase),
    '',
  ]);
  return [
    `## Hot-table hygiene: results of ${machine.date.slice(0, 10)}`,
    '',
    `- Machine: \`nproc\` = ${machine.nproc} (${machine.cpuModel}), ${machine.memoryGiB} GiB memory, ${machine.os}, ` +
      `load average at start ${machine.loadAverage.join(' / ')}`,
    `- Software: Node ${machine.node}, PostgreSQL ${report.cluster.version} (a scratch cluster: ${settings})`,
    `- Command: \`${command}\``,
    '',
    ...phases,
    ...(report.phases.length === 2
      ? ['### Before and after', '', comparisonTable(report.phases[0], report.phases[1]), '']
      : []),
    '### Status indexes',
    '',
    statusIndexTables(report.statusIndexes),
    '',
  ].join('\n');
}
