import { randomInt } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { format, resolveConfig } from 'prettier';
import { startOtlpSink } from './otlp-sink';
import { describeMachine, type Log } from './report';
import { ScratchCluster } from './table-hygiene-cluster';
import { runLoadPhase, type LoadPhaseOptions, type LoadPhaseResult } from './table-hygiene-load';
import { hygieneMarkdown, type HygieneReport } from './table-hygiene-report';
import { statusIndexExperiment, type ExperimentOptions } from './table-hygiene-status-indexes';
import { releaseOnSignals, Teardown } from './teardown';

export { hygieneMarkdown } from './table-hygiene-report';
export type { HygieneReport } from './table-hygiene-report';

export interface HygieneOptions {
  /** About a minute of load per phase and a small experiment: rough figures. */
  quick: boolean;
}

type PhaseSettings = Omit<LoadPhaseOptions, 'name' | 'tables' | 'seed'>;

const PHASE: Record<'full' | 'quick', PhaseSettings> = {
  // 20 orders a second for about 3.5 minutes, then a little more than one autovacuum round.
  full: {
    baseOrders: 200_000,
    orders: 4_000,
    rate: 80,
    sampleEveryMs: 5_000,
    coolDownMs: 75_000,
    maxLoadMs: 900_000,
  },
  quick: {
    baseOrders: 20_000,
    orders: 800,
    rate: 60,
    sampleEveryMs: 2_000,
    coolDownMs: 20_000,
    maxLoadMs: 120_000,
  },
};

const EXPERIMENT: Record<'full' | 'quick', ExperimentOptions> = {
  full: { baseOrders: 200_000, newOrders: 3_000, rounds: 3, clients: 4 },
  quick: { baseOrders: 20_000, newOrders: 500, rounds: 1, clients: 4 },
};

/**
 * Dead tuples, autovacuum and HOT updates on the tables the order flow updates
 * (`npm run bench -- --only hygiene`), in a PostgreSQL cluster of the benchmark's own with PostgreSQL's
 * autovacuum settings:
 * 1. the API under the load generator until a fixed number of orders exist, the hot tables' counters
 *    sampled before, during and after, with every storage parameter of the hot tables reset to
 *    PostgreSQL's defaults;
 * 2. the same load, with the same seed, on the tables as the migrations set them (when a migration sets
 *    storage parameters on any of them);
 * 3. what the status indexes of `orders` cost the status updates and what they save the reads.
 * Every database, the API and the cluster are gone at the end.
 */
export async function tableHygiene(options: HygieneOptions, log: Log): Promise<HygieneReport> {
  const mode = options.quick ? 'quick' : 'full';
  const teardown = new Teardown();
  try {
    log('starting a scratch PostgreSQL cluster (initdb, autovacuum as PostgreSQL ships it)…');
    const cluster = await ScratchCluster.start(teardown);
    const described = await cluster.describe();
    const sink = await startOtlpSink(teardown);
    const seed = randomInt(2 ** 31);
    const phases: LoadPhaseResult[] = [];
    const defaults = await runLoadPhase(
      cluster,
      sink,
      { ...PHASE[mode], name: 'PostgreSQL defaults', tables: 'defaults', seed },
      teardown,
      log,
    );
    phases.push(defaults);
    if (Object.values(defaults.migratedParameters).some((parameters) => parameters.length > 0))
      phases.push(
        await runLoadPhase(
          cluster,
          sink,
          { ...PHASE[mode], name: 'as migrated', tables: 'migrated', seed },
          teardown,
          log,
        ),
      );
    else log('no migration sets storage parameters on the hot tables: one phase only');
    const statusIndexes = await statusIndexExperiment(cluster, EXPERIMENT[mode], log);
    return { cluster: described, phases, statusIndexes };
  } finally {
    await teardown.close();
  }
}

/**
 * `npm run bench -- --only hygiene [--quick]`: runs alone, prints its progress and the section for
 * BENCHMARKS.md, and writes every sample to benchmarks/results/hygiene.json. Returns the exit code.
 */
export async function runHygieneCommand(selected: string[], quick: boolean, usage: string): Promise<number> {
  if (selected.length > 1) {
    console.error(`hygiene runs alone: --only hygiene\n${usage}`);
    return 2;
  }
  releaseOnSignals();
  const command = ['npm run bench --', ...process.argv.slice(2)].join(' ');
  const atStart = describeMachine('');
  console.log(
    `${command}: ${atStart.nproc} CPUs, ${atStart.memoryGiB} GiB, Node ${atStart.node}, ` +
      `load average now ${atStart.loadAverage.join(' / ')}\n`,
  );
  const report = await tableHygiene({ quick }, (line) => console.log(`  ${line}`));
  const machine = { ...atStart, postgres: report.cluster.version };
  const file = path.join(__dirname, '..', 'results', 'hygiene.json');
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(
    file,
    await format(JSON.stringify({ machine, command, report }), {
      ...(await resolveConfig(file)),
      parser: 'json',
    }),
  );
  console.log(`\nRaw results: ${path.relative(process.cwd(), file)}\n`);
  console.log('Markdown for BENCHMARKS.md (hot-table hygiene):\n');
  console.log(hygieneMarkdown(machine, command, report));
  return 0;
}
