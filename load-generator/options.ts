import { parseArgs } from 'node:util';
import { DEFAULT_LOCAL_KEY_FILE } from '@app/auth';
import { OptionsError } from './options-error';
import { MIX_ACTIONS, type MixAction, type MixWeights, type TrafficMixConfig } from './traffic-mix';

/** Everything a load run needs; `resolveOptions` fills in the defaults. */
export interface LoadOptions extends Omit<TrafficMixConfig, 'runTag' | 'credentials'> {
  /** Customers c-load-1 … c-load-<customers> (with --key-file). */
  customers: number;
  /** Base URL of the API. */
  url: string;
  /** Requests per second, all connections together. */
  rate: number;
  /** How long to send traffic; undefined runs until stopped (signal, Ctrl-C, SIGTERM). */
  durationMs: number | undefined;
  connections: number;
  /** A request without an answer after this long counts as a timeout. */
  timeoutMs: number;
  /** How long to keep polling the placed orders for their outcome after the run; 0 skips it. */
  settleMs: number;
  /** Seed for the traffic choices; undefined draws a random one. */
  seed: number | undefined;
  /** The API's local signing key (its AUTH_LOCAL_KEY_FILE): tokens for c-load-1 … c-load-<customers>. */
  keyFile: string;
  /** One bearer token for every request instead (an API on its issuer's JWKS); its `sub` is the customer. */
  token: string | undefined;
}

export type LoadOptionsInput = Partial<Omit<LoadOptions, 'mix'>> & { mix?: Partial<MixWeights> };

export type CliCommand = { help: true } | { help: false; json: boolean; options: LoadOptions };

export const DEFAULT_MIX: Readonly<MixWeights> = { browse: 25, product: 20, order: 25, read: 20, list: 10 };

export const DEFAULT_OPTIONS: Readonly<LoadOptions> = {
  url: 'http://127.0.0.1:3000',
  rate: 50,
  durationMs: undefined,
  connections: 10,
  timeoutMs: 10_000,
  mix: DEFAULT_MIX,
  badRatio: 0.05,
  declineRatio: 0.1,
  cancelRatio: 0.1,
  idempotencyRatio: 0.2,
  replayRatio: 0.5,
  customers: 100,
  settleMs: 10_000,
  seed: undefined,
  keyFile: DEFAULT_LOCAL_KEY_FILE,
  token: undefined,
};

/** Timers cannot wait longer than 2^31 - 1 ms (about 596 h). */
const MAX_DURATION_MS = 500 * 3_600_000;

export const HELP_TEXT = `Usage: npm run load -- [options]

Sends a realistic mix of API traffic (browse the catalog, place, read, list and cancel orders,
bad requests) at a fixed overall rate, prints progress every second on stderr and a summary on stdout.

Options:
  --url <url>                 API base URL (default ${DEFAULT_OPTIONS.url})
  --rate <n>                  requests per second, all connections together (default ${DEFAULT_OPTIONS.rate})
  --duration <time>           how long to run, e.g. 30s, 5m, 1h (default: until Ctrl-C or SIGTERM)
  --connections <n>           concurrent keep-alive connections (default ${DEFAULT_OPTIONS.connections})
  --timeout <time>            a request unanswered this long is a timeout (default 10s)
  --mix <action=weight,...>   weights of browse, product, order, read, list
                              (default ${formatMix(DEFAULT_MIX)}; unnamed actions keep their default)
  --bad-ratio <0..1>          share of deliberately invalid requests (default ${DEFAULT_OPTIONS.badRatio})
  --decline-ratio <0..1>      share of orders paid with the always-declined card (default ${DEFAULT_OPTIONS.declineRatio})
  --cancel-ratio <0..1>       share of accepted orders cancelled shortly after (default ${DEFAULT_OPTIONS.cancelRatio})
  --idempotency-ratio <0..1>  share of orders sent with an Idempotency-Key (default ${DEFAULT_OPTIONS.idempotencyRatio})
  --replay-ratio <0..1>       share of keyed orders sent again with the same key (default ${DEFAULT_OPTIONS.replayRatio})
  --customers <n>             customer ids c-load-1 … c-load-<n> (default ${DEFAULT_OPTIONS.customers})
  --settle <time>             how long to wait for the placed orders to finish, 0 to skip (default 10s)
  --seed <n>                  seed for the traffic choices, to repeat a run's mix
  --key-file <path>           the API's local signing key, to sign the customers' tokens
                              (default: AUTH_LOCAL_KEY_FILE or ${DEFAULT_OPTIONS.keyFile})
  --token <jwt>               send every request with this bearer token instead (one customer)
  --json                      print the summary as JSON
  -h, --help                  show this help

Durations: a number with ms, s, m or h (a bare number is seconds).
Exit codes: 0 run completed, 1 API unreachable or run failed, 2 invalid options.`;

const FLAGS = {
  url: { type: 'string' },
  rate: { type: 'string' },
  duration: { type: 'string' },
  connections: { type: 'string' },
  timeout: { type: 'string' },
  mix: { type: 'string' },
  'bad-ratio': { type: 'string' },
  'decline-ratio': { type: 'string' },
  'cancel-ratio': { type: 'string' },
  'idempotency-ratio': { type: 'string' },
  'replay-ratio': { type: 'string' },
  customers: { type: 'string' },
  settle: { type: 'string' },
  seed: { type: 'string' },
  'key-file': { type: 'string' },
  token: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/**
 * Parses command-line arguments (without node and the script); throws OptionsError on any bad flag.
 * `env` gives the default key file (AUTH_LOCAL_KEY_FILE, as the API reads it).
 */
export function parseCliArgs(argv: readonly string[], env: NodeJS.ProcessEnv = {}): CliCommand {
  const values = parseFlags(argv);
  if (values.help) return { help: true };
  const input: LoadOptionsInput = {};
  if (values.url !== undefined) input.url = values.url;
  if (values.rate !== undefined) input.rate = parseNumber('--rate', values.rate);
  if (values.duration !== undefined) input.durationMs = parseDuration('--duration', values.duration);
  if (values.connections !== undefined) input.connections = parseNumber('--connections', values.connections);
  if (values.timeout !== undefined) input.timeoutMs = parseDuration('--timeout', values.timeout);
  if (values.mix !== undefined) input.mix = parseMix(values.mix);
  if (values['bad-ratio'] !== undefined) input.badRatio = parseNumber('--bad-ratio', values['bad-ratio']);
  if (values['decline-ratio'] !== undefined)
    input.declineRatio = parseNumber('--decline-ratio', values['decline-ratio']);
  if (values['cancel-ratio'] !== undefined)
    input.cancelRatio = parseNumber('--cancel-ratio', values['cancel-ratio']);
  if (values['idempotency-ratio'] !== undefined)
    input.idempotencyRatio = parseNumber('--idempotency-ratio', values['idempotency-ratio']);
  if (values['replay-ratio'] !== undefined)
    input.replayRatio = parseNumber('--replay-ratio', values['replay-ratio']);
  if (values.customers !== undefined) input.customers = parseNumber('--customers', values.customers);
  if (values.settle !== undefined) input.settleMs = parseDuration('--settle', values.settle);
  if (values.seed !== undefined) input.seed = parseNumber('--seed', values.seed);
  const keyFile = values['key-file'] ?? env.AUTH_LOCAL_KEY_FILE;
  if (keyFile) input.keyFile = keyFile;
  if (values.token !== undefined) input.token = values.token;
  if (values.token !== undefined && values['key-file'] !== undefined)
    throw new OptionsError('--token and --key-file exclude each other');
  return { help: false, json: values.json ?? false, options: resolveOptions(input, cliName) };
}

/**
 * Fills in defaults and checks every value; throws OptionsError naming the offending option.
 * `name` turns an option key into the name shown in messages (the flag on the command line).
 */
export function resolveOptions(
  input: LoadOptionsInput = {},
  name: (key: keyof LoadOptions) => string = (key) => key,
): LoadOptions {
  const options: LoadOptions = { ...DEFAULT_OPTIONS, ...input, mix: { ...DEFAULT_MIX, ...input.mix } };
  let url: URL;
  try {
    url = new URL(options.url);
  } catch {
    throw new OptionsError(`${name('url')} must be an http:// or https:// URL (got "${options.url}")`);
  }
  if (!['http:', 'https:'].includes(url.protocol))
    throw new OptionsError(`${name('url')} must be an http:// or https:// URL (got "${options.url}")`);
  if (url.search || url.hash)
    throw new OptionsError(`${name('url')} must not have a query or fragment (got "${options.url}")`);
  options.url = url.toString().replace(/\/+$/, '');
  requireInteger(name('rate'), options.rate, 1);
  requireInteger(name('connections'), options.connections, 1, 10_000);
  requireInteger(name('customers'), options.customers, 1);
  if (options.durationMs !== undefined) requireDuration(name('durationMs'), options.durationMs, false);
  requireDuration(name('timeoutMs'), options.timeoutMs, false);
  requireDuration(name('settleMs'), options.settleMs, true);
  for (const key of ['badRatio', 'declineRatio', 'cancelRatio', 'idempotencyRatio', 'replayRatio'] as const)
    requireRange(name(key), options[key], 0, 1);
  if (options.seed !== undefined) requireInteger(name('seed'), options.seed, 0, 2 ** 32 - 1);
  for (const action of MIX_ACTIONS)
    requireRange(`${name('mix')} weight of ${action}`, options.mix[action], 0);
  if (!MIX_ACTIONS.some((action) => options.mix[action] > 0))
    throw new OptionsError(`${name('mix')} needs at least one positive weight`);
  return options;
}

/** `250ms`, `30s`, `5m`, `1.5h`, `10` (seconds) → milliseconds. */
export function parseDuration(flag: string, text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/i.exec(text);
  if (!match) throw new OptionsError(`${flag} must be a duration like 500ms, 30s, 5m or 1h (got "${text}")`);
  const unit = (match[2] ?? 's').toLowerCase();
  const factor = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }[unit]!;
  return Math.round(Number(match[1]) * factor);
}

/** `order=50,list=0` → the weights named (the others keep their defaults when resolved). */
export function parseMix(text: string): Partial<MixWeights> {
  const weights: Partial<MixWeights> = {};
  for (const part of text.split(',')) {
    const [action, weight, extra] = part.split('=').map((s) => s.trim());
    if (!MIX_ACTIONS.includes(action as MixAction) || weight === undefined || extra !== undefined)
      throw new OptionsError(
        `--mix takes action=weight pairs for ${MIX_ACTIONS.join(', ')} (got "${part.trim()}")`,
      );
    weights[action as MixAction] = parseNumber(`--mix weight of ${action}`, weight);
  }
  return weights;
}

export function formatMix(mix: Readonly<MixWeights>): string {
  return MIX_ACTIONS.map((action) => `${action}=${mix[action]}`).join(',');
}

const CLI_NAMES: Record<keyof LoadOptions, string> = {
  url: '--url',
  rate: '--rate',
  durationMs: '--duration',
  connections: '--connections',
  timeoutMs: '--timeout',
  mix: '--mix',
  badRatio: '--bad-ratio',
  declineRatio: '--decline-ratio',
  cancelRatio: '--cancel-ratio',
  idempotencyRatio: '--idempotency-ratio',
  replayRatio: '--replay-ratio',
  customers: '--customers',
  settleMs: '--settle',
  seed: '--seed',
  keyFile: '--key-file',
  token: '--token',
};
const cliName = (key: keyof LoadOptions) => CLI_NAMES[key];

function parseFlags(argv: readonly string[]) {
  try {
    return parseArgs({ args: [...argv], options: FLAGS, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new OptionsError(describeParseError(error));
  }
}

function parseNumber(flag: string, text: string): number {
  const value = text.trim() === '' ? NaN : Number(text);
  if (!Number.isFinite(value)) throw new OptionsError(`${flag} must be a number (got "${text}")`);
  return value;
}

function requireInteger(name: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): void {
  if (!Number.isInteger(value) || value < min || value > max)
    throw new OptionsError(
      `${name} must be a whole number ${max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `from ${min} to ${max}`} (got ${value})`,
    );
}

function requireDuration(name: string, ms: number, zeroAllowed: boolean): void {
  if (typeof ms !== 'number' || !(zeroAllowed ? ms >= 0 : ms > 0) || ms > MAX_DURATION_MS)
    throw new OptionsError(
      `${name} must be ${zeroAllowed ? '0 or more' : 'more than 0'} and at most ${MAX_DURATION_MS / 3_600_000}h (got ${ms} ms)`,
    );
}

function requireRange(name: string, value: number, min: number, max = Infinity): void {
  if (typeof value !== 'number' || !(value >= min && value <= max))
    throw new OptionsError(
      `${name} must be ${max === Infinity ? `≥ ${min}` : `between ${min} and ${max}`} (got ${value})`,
    );
}

function describeParseError(error: unknown): string {
  const { code, message } = error as { code?: string; message: string };
  const quoted = /'([^']+)'/.exec(message)?.[1] ?? '';
  const flag = quoted.split(' ')[0];
  switch (code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option ${flag}`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument "${quoted}" (options start with --)`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      if (/does not take an argument/.test(message)) return `${flag} does not take a value`;
      if (/ambiguous/.test(message))
        return `${flag} needs a value (write ${flag}=<value> for one starting with -)`;
      return `${flag} needs a value`;
    default:
      return message.split('\n')[0];
  }
}
