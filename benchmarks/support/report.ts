import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { formatNumber } from './stats';

export type BenchId = 'a' | 'b' | 'c' | 'd' | 'e' | 'f';

export interface Figure {
  name: string;
  value: number;
  unit: string;
  /** The same figure measured on the baseline checkout in the same run (`--baseline`): `before → value`. */
  before?: number;
}

export interface Ratio {
  name: string;
  value: number;
  /** The same ratio measured on the baseline checkout in the same run (`--baseline`): `before → value`. */
  before?: number;
  /** What the figure is compared with, e.g. `≥ 0.90`. Informative only: nothing fails on it. */
  goal?: string;
}

export interface BenchResult {
  id: BenchId;
  title: string;
  /** How it ran: durations, rounds, concurrency. */
  settings: Record<string, string | number>;
  ratios: Ratio[];
  figures: Figure[];
  notes: string[];
  /** Per-round raw numbers, for latest.json. */
  rounds: unknown[];
}

export interface RunSettings {
  quick: boolean;
  warmupS: number;
  roundS: number;
  rounds: number;
  /** Another checkout of the repository, measured beside `candidate` (benchmarks a and e). */
  baseline?: string;
  /** The checkout measured (and compared with `baseline`). @default this one */
  candidate?: string;
}

export type Log = (line: string) => void;

export interface Machine {
  date: string;
  nproc: number;
  cpuModel: string;
  memoryGiB: number;
  loadAverage: number[];
  os: string;
  node: string;
  postgres: string;
  pgbench: string;
}

export function describeMachine(postgresVersion: string): Machine {
  const nproc = Number(spawnSync('nproc', { encoding: 'utf8' }).stdout.trim()) || os.availableParallelism();
  return {
    date: new Date().toISOString(),
    nproc,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    loadAverage: os.loadavg().map((value) => Math.round(value * 100) / 100),
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    postgres: postgresVersion,
    pgbench: spawnSync('pgbench', ['--version'], { encoding: 'utf8' }).stdout?.trim() || 'not found',
  };
}

export function formatFigure(figure: Figure): string {
  const before = figure.before === undefined ? '' : `${formatNumber(figure.before)} → `;
  return `${before}${formatNumber(figure.value)} ${figure.unit}`.trim();
}

export function formatRatio(ratio: Ratio): string {
  const digits = (value: number) => (Math.abs(value) < 0.1 ? 4 : 2);
  const before = ratio.before === undefined ? '' : `${formatNumber(ratio.before, digits(ratio.before))} → `;
  return `${before}${formatNumber(ratio.value, digits(ratio.value))}${ratio.goal ? ` (goal ${ratio.goal})` : ''}`;
}

/** The section to paste into BENCHMARKS.md: machine, command, one table of every ratio and figure. */
export function markdownSection(machine: Machine, command: string, results: BenchResult[]): string {
  const rows = results.flatMap((result) => [
    ...result.ratios.map(
      (ratio) =>
        `| ${result.id}. ${result.title} | ${ratio.name} | **${formatRatio({ ...ratio, goal: undefined })}**` +
        `${ratio.goal ? ` (goal ${ratio.goal})` : ''} |`,
    ),
    ...result.figures.map(
      (figure) => `| ${result.id}. ${result.title} | ${figure.name} | ${formatFigure(figure)} |`,
    ),
  ]);
  const notes = results.flatMap((result) => result.notes.map((note) => `- ${result.id}: ${note}`));
  return [
    `## Results of ${machine.date.slice(0, 10)}`,
    '',
    `- Machine: \`nproc\` = ${machine.nproc} (${machine.cpuModel}), ${machine.memoryGiB} GiB memory, ${machine.os}, ` +
      `load average at start ${machine.loadAverage.join(' / ')}`,
    `- Software: Node ${machine.node}, PostgreSQL ${machine.postgres}, ${machine.pgbench}`,
    `- Command: \`${command}\``,
    `- Settings: ${results
      .map(
        (r) =>
          `${r.id}: ${Object.entries(r.settings)
            .map(([k, v]) => `${k} ${v}`)
            .join(', ')}`,
      )
      .join('; ')}`,
    '',
    '| Benchmark | Figure | Value |',
    '| --- | --- | --- |',
    ...rows,
    ...(notes.length ? ['', ...notes] : []),
    '',
  ].join('\n');
}
