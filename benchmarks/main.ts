import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Client } from 'pg';
import { format, resolveConfig } from 'prettier';
import { frameworkOverhead } from './framework-overhead.bench';
import { growth, growthMarkdown, parseSizes } from './growth.bench';
import { metricsScrape } from './metrics-scrape.bench';
import { leanReference } from './lean-reference.bench';
import { observabilityCost } from './observability-cost.bench';
import { orderPlacement } from './order-placement.bench';
import { orderSearch } from './order-search.bench';
import { soak, soakMarkdown } from './soak.bench';
import { ADMIN_URL } from './support/bench-database';
import { checkout } from './support/checkout';
import { runHygieneCommand } from './support/table-hygiene';
import {
  describeMachine,
  formatFigure,
  formatRatio,
  markdownSection,
  type BenchId,
  type BenchResult,
  type Log,
  type RunSettings,
} from './support/report';
import { releaseOnSignals, Teardown } from './support/teardown';

const BENCHMARKS: Record<
  BenchId,
  { title: string; run: (settings: RunSettings, log: Log) => Promise<BenchResult> }
> = {
  a: { title: 'Observability cost (on vs off)', run: observabilityCost },
  b: { title: 'Framework efficiency (GET /health/live vs raw node:http)', run: frameworkOverhead },
  c: { title: 'Order placement (app vs pgbench, same statements)', run: orderPlacement },
  d: { title: '/metrics scrape time with 10k series', run: metricsScrape },
  e: { title: 'API against a lean Fastify + pg server', run: leanReference },
  f: { title: 'Operator order search at 100,000 orders', run: orderSearch },
};

/** The benchmarks that measure another checkout beside this one (`--baseline`, `--candidate`). */
const COMPARABLE: readonly string[] = ['a', 'e'];

const USAGE = `npm run bench [-- [--quick] [--rounds 3] [--only a,c]]
npm run bench -- --only a,e --baseline <checkout> [--candidate <checkout>]
    a's and e's figures as before → after: the API of <checkout> (a git worktree of another commit with
    its dependencies, see benchmarks/README.md) against this checkout's (or --candidate's), taking turns
    (--only a, --only e or --only a,e)
npm run bench -- --soak [--minutes 10] [--reads 100] [--orders 10]
npm run bench -- --only growth [--quick] [--sizes 10000,1000000,10000000]
    latency of reads, searches, probes, /metrics and the jobs as one database grows (not in the default run)
npm run bench -- --only hygiene [--quick]
    dead tuples, autovacuum and HOT updates of the hot tables under the load generator, and what the
    status indexes of orders cost (a scratch PostgreSQL cluster; not in the default run)
  a  observability cost     b  framework vs node:http
  c  order placement vs pgbench     d  /metrics scrape time
  e  API GET /orders/:id vs a lean Fastify + pg server
  f  operator order search at 100,000 orders (p50 / p99 against 50 ms)`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      rounds: { type: 'string' },
      baseline: { type: 'string' },
      candidate: { type: 'string' },
      soak: { type: 'boolean', default: false },
      minutes: { type: 'string', default: '10' },
      reads: { type: 'string', default: '100' },
      orders: { type: 'string', default: '10' },
      sizes: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (values.soak) {
    releaseOnSignals();
    const report = await soak(
      {
        minutes: Number(values.minutes),
        readsPerSecond: Number(values.reads),
        ordersPerSecond: Number(values.orders),
      },
      (line) => console.log(`  ${line}`),
    );
    const file = path.join(__dirname, 'results', 'soak.json');
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(
      file,
      await format(JSON.stringify(report), { ...(await resolveConfig(file)), parser: 'json' }),
    );
    console.log(`\n${soakMarkdown(report)}\n\nRaw samples: ${path.relative(process.cwd(), file)}`);
    return 0;
  }
  const selected = (values.only ?? 'a,b,c,d,e,f').split(',').map((id) => id.trim().toLowerCase());
  if (selected.includes('growth')) return runGrowth(selected, values.quick, values.sizes);
  if (selected.includes('hygiene')) return runHygieneCommand(selected, values.quick, USAGE);
  if (values.sizes !== undefined) {
    console.error(`--sizes applies to --only growth\n${USAGE}`);
    return 2;
  }
  const unknown = selected.filter((id) => !(id in BENCHMARKS));
  if (unknown.length > 0) {
    console.error(`unknown benchmark(s) ${unknown.join(', ')}\n${USAGE}`);
    return 2;
  }
  const comparing = values.baseline !== undefined || values.candidate !== undefined;
  if (comparing && selected.some((id) => !COMPARABLE.includes(id))) {
    console.error(
      `--baseline and --candidate apply to benchmarks ${COMPARABLE.join(' and ')} only: add --only a, --only e or --only a,e\n${USAGE}`,
    );
    return 2;
  }
  const rounds = values.rounds === undefined ? undefined : Number(values.rounds);
  if (rounds !== undefined && !(Number.isInteger(rounds) && rounds > 0)) {
    console.error(`--rounds takes a whole number of rounds, 1 or more (got ${values.rounds})\n${USAGE}`);
    return 2;
  }
  for (const dir of [values.baseline, values.candidate])
    if (dir !== undefined)
      try {
        checkout(dir);
      } catch (error) {
        console.error(error instanceof Error ? error.message : String(error));
        return 2;
      }
  const settings: RunSettings = {
    ...(values.quick
      ? { quick: true, warmupS: 1, roundS: 3, rounds: rounds ?? 1 }
      : { quick: false, warmupS: 5, roundS: 10, rounds: rounds ?? 3 }),
    ...(values.baseline !== undefined ? { baseline: path.resolve(values.baseline) } : {}),
    ...(values.candidate !== undefined ? { candidate: path.resolve(values.candidate) } : {}),
  };
  releaseOnSignals();

  const machine = describeMachine(await postgresVersion());
  const command = [
    'npm run bench',
    ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : []),
  ].join(' ');
  console.log(
    `${command}: ${machine.nproc} CPUs, ${machine.memoryGiB} GiB, Node ${machine.node}, PostgreSQL ${machine.postgres}`,
  );
  console.log(
    `load average now: ${machine.loadAverage.join(' / ')} (ratios compare runs of the same moment)\n`,
  );

  const results: BenchResult[] = [];
  const failures: Array<{ id: string; error: string }> = [];
  for (const id of selected as BenchId[]) {
    const benchmark = BENCHMARKS[id];
    console.log(`▶ ${id}. ${benchmark.title}`);
    const started = Date.now();
    try {
      const result = await benchmark.run(settings, (line) => console.log(`  ${line}`));
      results.push(result);
      for (const ratio of result.ratios) console.log(`  ★ ${ratio.name}: ${formatRatio(ratio)}`);
      for (const figure of result.figures) console.log(`    ${figure.name}: ${formatFigure(figure)}`);
      for (const note of result.notes) console.log(`    note: ${note}`);
    } catch (error) {
      failures.push({ id, error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
      console.error(`  ✗ ${id} did not complete: ${error instanceof Error ? error.message : String(error)}`);
    }
    console.log(`  (${((Date.now() - started) / 1000).toFixed(0)} s)\n`);
  }

  const file = path.join(__dirname, 'results', 'latest.json');
  mkdirSync(path.dirname(file), { recursive: true });
  // Formatted as the repository formats JSON, so `prettier --check .` passes after a run.
  const json = JSON.stringify({ machine, command, settings, results, failures });
  writeFileSync(file, await format(json, { ...(await resolveConfig(file)), parser: 'json' }));
  console.log(`Raw results: ${path.relative(process.cwd(), file)}\n`);
  console.log('Markdown for BENCHMARKS.md:\n');
  console.log(markdownSection(machine, command, results));
  return failures.length > 0 ? 1 : 0;
}

/** `--only growth`: alone, its own report and its own results file (benchmarks/results/growth.json). */
async function runGrowth(
  selected: string[],
  quick: boolean,
  sizesOption: string | undefined,
): Promise<number> {
  if (selected.length > 1) {
    console.error(`growth runs alone: --only growth\n${USAGE}`);
    return 2;
  }
  let sizes: number[] | undefined;
  try {
    sizes = sizesOption === undefined ? undefined : parseSizes(sizesOption);
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
    return 2;
  }
  releaseOnSignals();
  const machine = describeMachine(await postgresVersion());
  const command = ['npm run bench --', ...process.argv.slice(2)].join(' ');
  console.log(
    `${command}: ${machine.nproc} CPUs, ${machine.memoryGiB} GiB, Node ${machine.node}, PostgreSQL ${machine.postgres}, ` +
      `load average now ${machine.loadAverage.join(' / ')}\n`,
  );
  const report = await growth({ quick, sizes }, (line) => console.log(`  ${line}`));
  const file = path.join(__dirname, 'results', 'growth.json');
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(
    file,
    await format(JSON.stringify({ machine, command, report }), {
      ...(await resolveConfig(file)),
      parser: 'json',
    }),
  );
  console.log(`\nRaw results: ${path.relative(process.cwd(), file)}\n`);
  console.log('Markdown for BENCHMARKS.md (growth):\n');
  console.log(growthMarkdown(machine, command, report));
  return 0;
}

async function postgresVersion(): Promise<string> {
  const client = new Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    return (await client.query<{ server_version: string }>('SHOW server_version')).rows[0].server_version;
  } finally {
    await client.end();
  }
}

main().then(
  async (code) => {
    await Teardown.closeAll();
    process.exit(code);
  },
  async (error: unknown) => {
    console.error(error);
    await Teardown.closeAll();
    process.exit(1);
  },
);
