// Writes the generated reference of docs/configuration.md from the zod schemas the processes parse their
// environment with: each variable's default, the values it accepts and its description (`.describe()`).
// Only the block between the two markers is written; the rest of the page is written by hand.
//
//   npm run docs:config               # rewrite the block
//   npm run docs:config -- --check    # exit 1 when the committed page differs from what would be written
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { sharedEnvShape } from '@app/config';
import { z } from 'zod';
import { apiEnvSchema } from '../apps/api/src/config/api.config';
import { authEnvShape } from '../apps/api/src/config/auth.config';
import { rateLimitEnvShape } from '../apps/api/src/config/rate-limit.config';
import { webhooksEnvShape } from '../apps/api/src/config/webhooks.config';
import { jobsEnvSchema } from '../apps/jobs/src/config/jobs.config';
import { workerEnvSchema } from '../apps/worker/src/config/worker.config';

export const CONFIG_REFERENCE_FILE = path.resolve(__dirname, '../docs/configuration.md');
export const BEGIN_MARKER =
  '<!-- BEGIN config-reference: written by `npm run docs:config` from the zod schemas; edit their .describe() texts, not this block -->';
export const END_MARKER = '<!-- END config-reference -->';

type EnvSchema = z.ZodObject<z.ZodRawShape>;

/** JSON Schema of one variable, as `z.toJSONSchema` renders it (the subset read here). */
interface JsonSchema {
  type?: string;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  pattern?: string;
  format?: string;
  items?: JsonSchema;
  description?: string;
}

interface Process {
  name: string;
  schema: EnvSchema;
}

interface Table {
  title: string;
  source: string;
  /** The processes that read these variables; the first one's schema renders them. */
  processes: Process[];
  names: string[];
}

const API: Process = { name: 'API', schema: apiEnvSchema };
const WORKER: Process = { name: 'worker', schema: workerEnvSchema };
const JOBS: Process = { name: 'jobs', schema: jobsEnvSchema };
const PROCESSES = [API, WORKER, JOBS];

const BOOLEAN_WORDS = ['true', 'false', '1', '0', 'yes', 'no'];

/** The tables, in page order; every variable of every process is in exactly one table of that process. */
function tables(): Table[] {
  // Shared: the same schema object in every process, so the same default and meaning everywhere.
  const shared = Object.keys(sharedEnvShape).filter((name) =>
    PROCESSES.every((p) => p.schema.shape[name] === sharedEnvShape[name as keyof typeof sharedEnvShape]),
  );
  const own = (p: Process) => Object.keys(p.schema.shape).filter((name) => !shared.includes(name));
  const apiGroups = [
    {
      title: 'API: authentication and rate limit',
      source: 'apps/api/src/config/auth.config.ts',
      names: Object.keys(authEnvShape),
    },
    {
      title: 'API: where the rate limit is counted',
      source: 'apps/api/src/config/rate-limit.config.ts',
      names: Object.keys(rateLimitEnvShape),
    },
    {
      title: 'API: webhooks',
      source: 'apps/api/src/config/webhooks.config.ts',
      names: Object.keys(webhooksEnvShape),
    },
  ];
  const grouped = new Set(apiGroups.flatMap((g) => g.names));
  const result: Table[] = [
    { title: 'Every process', source: 'libs/config/src/shared-env.ts', processes: PROCESSES, names: shared },
    {
      title: 'API',
      source: 'apps/api/src/config/api.config.ts',
      processes: [API],
      names: own(API).filter((name) => !grouped.has(name)),
    },
    ...apiGroups.map((g) => ({ ...g, processes: [API] })),
    {
      title: 'Worker',
      source: 'apps/worker/src/config/worker.config.ts',
      processes: [WORKER],
      names: own(WORKER),
    },
    { title: 'Jobs', source: 'apps/jobs/src/config/jobs.config.ts', processes: [JOBS], names: own(JOBS) },
  ];
  for (const p of PROCESSES) {
    const listed = result.filter((t) => t.processes.includes(p)).flatMap((t) => t.names);
    const unlisted = Object.keys(p.schema.shape).filter((name) => !listed.includes(name));
    const twice = listed.filter((name, i) => listed.indexOf(name) !== i);
    if (unlisted.length > 0) throw new Error(`${p.name}: in no table: ${unlisted.join(', ')}`);
    if (twice.length > 0) throw new Error(`${p.name}: in two tables: ${twice.join(', ')}`);
  }
  return result;
}

function code(value: unknown): string {
  return `\`${String(value)}\``;
}

/** The default as it would be written in the environment, read from the schema's `.default()`. */
function defaultCell(field: z.ZodType, required: boolean): string {
  if (field instanceof z.ZodDefault) {
    const value: unknown = field.def.defaultValue;
    if (Array.isArray(value)) return value.length === 0 ? '_(none)_' : code(value.join(','));
    return code(value);
  }
  return required ? '**required**' : '_(unset)_';
}

function range(schema: JsonSchema): string {
  const { minimum, maximum } = schema;
  if (maximum === undefined || maximum >= Number.MAX_SAFE_INTEGER)
    return minimum === undefined ? '' : ` ≥ ${minimum}`;
  return ` ${minimum ?? '…'}–${maximum}`;
}

function enumeration(values: unknown[]): string {
  return values.map(code).join(', ');
}

/** The values a variable accepts, from the JSON Schema of its input (and of its output for lists). */
function acceptsCell(field: z.ZodType, input: JsonSchema, output: JsonSchema | undefined): string {
  if (input.enum) {
    const words = input.enum.map(String);
    const boolean = words.length === BOOLEAN_WORDS.length && BOOLEAN_WORDS.every((w) => words.includes(w));
    return boolean ? '`true` or `false` (also `1`/`0`, `yes`/`no`)' : enumeration(input.enum);
  }
  if (input.type === 'integer') return `integer${range(input)}`;
  if (input.type === 'number') return `number${range(input)}`;
  if (input.type === 'string') {
    if (output?.type === 'array')
      return output.items?.enum
        ? `comma-separated: ${enumeration(output.items.enum)}`
        : 'comma-separated list';
    if (input.format === 'uri') return 'URL';
    if (input.pattern) return `matching ${code(input.pattern)}`;
    return input.minLength ? 'non-empty string' : 'string';
  }
  if (field instanceof z.ZodOptional && field.unwrap() instanceof z.ZodUndefined)
    return 'nothing: must stay unset';
  throw new Error(`no rendering for ${JSON.stringify(input)}`);
}

function cell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('\n', ' ');
}

function renderTable(table: Table): string {
  const toJson = (io: 'input' | 'output') =>
    z.toJSONSchema(table.processes[0].schema, { io, unrepresentable: 'any' }) as {
      properties: Record<string, JsonSchema>;
      required?: string[];
    };
  const input = toJson('input');
  const output = toJson('output');
  const rows = table.names.map((name) => {
    const field = table.processes[0].schema.shape[name] as z.ZodType;
    const schema = input.properties[name];
    const description = schema.description ?? field.description;
    if (!description) throw new Error(`${name} (${table.source}) has no .describe() text`);
    return [
      code(name),
      defaultCell(field, input.required?.includes(name) ?? false),
      acceptsCell(field, schema, output.properties[name]),
      description,
    ];
  });
  const lines = [['Variable', 'Default', 'Accepts', 'Meaning'], ['---', '---', '---', '---'], ...rows].map(
    (row) => `| ${row.map(cell).join(' | ')} |`,
  );
  return [`### ${table.title}`, '', `Schema: \`${table.source}\`.`, '', ...lines].join('\n');
}

/** The generated block, markers included. */
export function renderReference(): string {
  return [BEGIN_MARKER, '', ...tables().flatMap((t) => [renderTable(t), '']), END_MARKER].join('\n');
}

/** The page with its block replaced by what the schemas say now, formatted as the repository formats Markdown. */
export async function renderPage(current: string): Promise<string> {
  const begin = current.indexOf(BEGIN_MARKER);
  const end = current.indexOf(END_MARKER);
  if (begin < 0 || end < begin) throw new Error(`the page has no ${BEGIN_MARKER} … ${END_MARKER} block`);
  const page = current.slice(0, begin) + renderReference() + current.slice(end + END_MARKER.length);
  // Loaded here, not at the top: the spec imports this module's constants where Prettier cannot load.
  const { format, resolveConfig } = await import('prettier');
  const options = await resolveConfig(CONFIG_REFERENCE_FILE);
  return format(page, { ...options, filepath: CONFIG_REFERENCE_FILE });
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      check: { type: 'boolean', default: false },
      // Another copy of the page to check or write (tests); formatted as docs/configuration.md is.
      file: { type: 'string', default: CONFIG_REFERENCE_FILE },
    },
  });
  const file = path.relative(process.cwd(), values.file);
  const current = readFileSync(values.file, 'utf8');
  const next = await renderPage(current);
  if (values.check) {
    if (next === current) return 0;
    const [was, now] = [current.split('\n'), next.split('\n')];
    const line = now.findIndex((text, i) => text !== was[i]);
    console.error(
      `${file} differs from the zod schemas from line ${line + 1}:\n  committed: ${was[line] ?? '(end of file)'}\n` +
        `  expected:  ${now[line] ?? '(end of file)'}\nRun \`npm run docs:config\` and commit the result.`,
    );
    return 1;
  }
  if (next !== current) writeFileSync(values.file, next);
  console.log(next === current ? `${file} is up to date` : `${file} written`);
  return 0;
}

if (require.main === module)
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
