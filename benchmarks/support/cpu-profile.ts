import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { launchNode } from '../../tooling/processes';
import { createSigningKey, type AccessTokens } from '../../tooling/tokens';
import { createBenchDatabase, type BenchDatabase } from './bench-database';
import { releaseOnSignals, Teardown } from './teardown';

/** What a profile run starts with; all of it is released when the run ends, fails or is interrupted. */
export interface ProfileRun {
  teardown: Teardown;
  /** A database of the run's own (`profile_<name>_…`), dropped at the end. */
  db: BenchDatabase;
  /** A scratch folder for the profiles and logs, removed at the end. */
  dir: string;
  /** The local signing key the APIs are started with (AUTH_LOCAL_KEY_FILE), and tokens signed with it. */
  keyFile: string;
  tokens: AccessTokens;
  log(line: string): void;
}

/**
 * Runs a CPU profile's work with a database, a scratch folder and a signing key of its own (PostgreSQL as
 * the tests have it: 127.0.0.1:5432 with trust authentication, or TEST_PG_ADMIN_URL), releases them, and
 * exits 0 once it is done, 1 if it failed.
 */
export function runProfile(name: string, main: (run: ProfileRun) => Promise<void>): void {
  releaseOnSignals();
  const run = async () => {
    const teardown = new Teardown();
    try {
      const db = await createBenchDatabase(`profile_${name}`, teardown);
      const dir = await mkdtemp(path.join(tmpdir(), `orders-profile-${name}-`));
      teardown.defer(`remove ${dir}`, () => rm(dir, { recursive: true, force: true }));
      const { keyFile, tokens } = await createSigningKey(teardown);
      await main({ teardown, db, dir, keyFile, tokens, log: (line) => console.log(line) });
    } finally {
      await teardown.close();
    }
  };
  run().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}

/**
 * The command-line options of a profile's entry point, `--help` included; prints `usage` and exits when
 * asked for it or when an option is unknown.
 */
export function profileOptions<const Options extends NonNullable<ParseArgsConfig['options']>>(
  usage: string,
  options: Options,
): ReturnType<typeof parseArgs<{ options: Options }>>['values'] {
  let values: Record<string, unknown>;
  try {
    ({ values } = parseArgs({ options: { ...options, help: { type: 'boolean', short: 'h' } } }));
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${usage}`);
    process.exit(2);
  }
  if (values.help) {
    console.log(usage);
    process.exit(0);
  }
  return values as ReturnType<typeof parseArgs<{ options: Options }>>['values'];
}

/** The one CPU profile `node --cpu-prof --cpu-prof-dir=<dir>` wrote into `dir`. */
export async function cpuProfileIn(dir: string): Promise<string> {
  const profiles = (await readdir(dir)).filter((file) => file.endsWith('.cpuprofile'));
  if (profiles.length !== 1) throw new Error(`expected one .cpuprofile in ${dir}, found ${profiles.length}`);
  return path.join(dir, profiles[0]);
}

/**
 * Node.js flags that make a process write its CPU profile into `dir` when it exits.
 */
export function cpuProfileFlags(dir: string): string[] {
  return ['--cpu-prof', `--cpu-prof-dir=${dir}`];
}

/**
 * Prints CPU per request by package (scripts/compare-cpu-profiles.js, whose arguments these are): one
 * profile's table, or two profiles' and their difference.
 */
export async function printCpuPerRequest(args: Array<string | number>): Promise<void> {
  const compare = launchNode(['scripts/compare-cpu-profiles.js', ...args.map(String)], {
    stdout: 'inherit',
    name: 'compare-cpu-profiles.js',
  });
  const code = await compare.exited;
  if (code !== 0) throw new Error(`compare-cpu-profiles.js exited with ${code}:\n${compare.output()}`);
}

/** Seconds from `from` (a `Date.now()`) to `to`, for the window offsets of compare-cpu-profiles.js. */
export function secondsBetween(from: number, to: number): string {
  return ((to - from) / 1000).toFixed(2);
}
