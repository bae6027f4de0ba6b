import { randomInt } from 'node:crypto';
import { parseArgs } from 'node:util';
import { DEFAULT_LOCAL_KEY_FILE } from '@app/auth';

export interface FuzzCliOptions {
  runs: number;
  seed: number;
  /** A running API; undefined starts a fresh one (real entry point, new database). */
  url: string | undefined;
  /** With `url`: the API's AUTH_LOCAL_KEY_FILE. */
  keyFile: string;
  concurrency: number;
  timeoutMs: number;
  /** Send only this request of the plan, and print its answer. */
  replay: number | undefined;
  /** Also print requests and status classes per operation. */
  verbose: boolean;
}

export type FuzzCommand = { help: true } | { help: false; options: FuzzCliOptions };

/** A bad flag or value; the message is one line meant for the user. */
export class OptionsError extends Error {
  override readonly name = 'OptionsError';
}

export const HELP_TEXT = `Usage: npm run fuzz -- [options]

Generates requests from the API's OpenAPI document (fast-check, seeded), sends them and checks every
answer: no 5xx, no hang, every error in the documented JSON shape, successes as documented.
Without --url it starts the API's real entry point on a new PostgreSQL database (TEST_PG_ADMIN_URL,
default postgresql://postgres@127.0.0.1:5432/postgres) and drops it afterwards.

Options:
  --runs <n>          requests to send (default 2000)
  --seed <n>          seed of the generator (default: random, printed); the same seed sends the same requests
  --url <url>         fuzz a running API instead (it changes fault overrides and stock: a test deployment only)
  --key-file <path>   with --url: the API's AUTH_LOCAL_KEY_FILE (default ${DEFAULT_LOCAL_KEY_FILE})
  --concurrency <n>   requests in flight at once (default 8)
  --timeout <ms>      a request unanswered this long is a failure (default 10000)
  --replay <index>    send only request #index of the plan (same --seed and --runs) and print its answer
  --verbose           print status classes per operation
  -h, --help          this text

Exit code: 0 no failures, 1 failures (or an operation never reached), 2 invalid options.`;

export function parseCliArgs(argv: readonly string[]): FuzzCommand {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        runs: { type: 'string' },
        seed: { type: 'string' },
        url: { type: 'string' },
        'key-file': { type: 'string' },
        concurrency: { type: 'string' },
        timeout: { type: 'string' },
        replay: { type: 'string' },
        verbose: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (error) {
    throw new OptionsError((error as Error).message);
  }
  if (values.help) return { help: true };
  if (values['key-file'] !== undefined && values.url === undefined)
    throw new OptionsError('--key-file goes with --url (a fresh API makes its own key)');
  return {
    help: false,
    options: {
      runs: integer(values.runs, '--runs', 1) ?? 2000,
      seed: integer(values.seed, '--seed', -(2 ** 31), 2 ** 31 - 1) ?? randomInt(2 ** 31 - 1),
      url: values.url === undefined ? undefined : url(values.url as string),
      keyFile: (values['key-file'] as string | undefined) ?? DEFAULT_LOCAL_KEY_FILE,
      concurrency: integer(values.concurrency, '--concurrency', 1, 256) ?? 8,
      timeoutMs: integer(values.timeout, '--timeout', 100) ?? 10_000,
      replay: integer(values.replay, '--replay', 0),
      verbose: Boolean(values.verbose),
    },
  };
}

function integer(
  value: string | boolean | undefined,
  flag: string,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (typeof value !== 'string' || !/^-?\d+$/.test(value) || n < min || n > max)
    throw new OptionsError(`${flag} must be an integer from ${min} to ${max} (got ${String(value)})`);
  return n;
}

function url(value: string): string {
  try {
    const parsed = new URL(value);
    if (parsed.protocol === 'http:' || parsed.protocol === 'https:') return value;
  } catch {
    // reported below
  }
  throw new OptionsError(`--url must be an http(s) URL (got ${value})`);
}
