import type { Exchange } from './http-exchange';
import type { JsonSchema, Operation } from './openapi-document';
import { schemaViolations } from './schema-conformance';

const ERROR_FIELDS = new Set(['statusCode', 'error', 'code', 'message', 'details']);
const ERROR_CODE = /^[A-Z][A-Z0-9_]*$/;
const JSON_CONTENT_TYPE = /^application\/([\w.+-]+\+)?json\s*(;|$)/i;

/** What must never reach a client: stack frames, source paths, SQL and driver errors. */
const LEAKS: ReadonlyArray<[string, RegExp]> = [
  ['a stack trace', /\n\s+at .+\(.*:\d+:\d+\)|\bat [\w$.<>]+ \((?:node:|file:|\/)[^)]*:\d+:\d+\)/],
  ['a source path', /node_modules\/|\/(?:src|dist)\/[\w/.-]+\.(?:ts|js)\b/],
  ['SQL', /\b(?:SELECT\s[\s\S]{0,200}\sFROM|INSERT\s+INTO|UPDATE\s+"?\w+"?\s+SET|DELETE\s+FROM)\b/i],
  [
    'a database error',
    /QueryFailedError|syntax error at or near|violates (?:check|foreign key|unique|not-null) constraint|duplicate key value|relation "\w+" does not exist|invalid input syntax for type/i,
  ],
  ['an internal exception', /\b(?:TypeError|RangeError|ReferenceError|SyntaxError): /],
];

export interface Judgement {
  operation?: Operation;
  method: string;
  exchange: Exchange;
  /** Text the request carried (path and query values): an error may quote it without leaking anything. */
  echoes: readonly string[];
}

/**
 * Everything wrong with one answer: a 5xx (but a 503 the operation documents: a dependency is down) or
 * none at all; an error (4xx) that is not the documented JSON shape, whose statusCode differs from the
 * status, that leaks internals, or that lacks its header (401 `WWW-Authenticate`, 429 and 503
 * `Retry-After`); a success that is not the JSON the document describes. An error the document gives a
 * schema of its own (a readiness probe's 503) is checked against that schema instead of the error
 * shape. Empty when the answer is fine.
 */
export function judge({ operation, method, exchange, echoes }: Judgement): string[] {
  const { status, headers, text } = exchange;
  if (status === undefined)
    return [
      exchange.error === 'timeout'
        ? `no answer within the timeout (${exchange.ms} ms)`
        : `no answer: ${exchange.error}`,
    ];
  const problems: string[] = [];
  const schema = operation?.jsonResponses.get(status);
  if (status >= 500 && !isDocumentedUnavailable(operation, status)) problems.push(`server error ${status}`);
  if (status < 200 || (status >= 300 && status < 400)) problems.push(`unexpected status ${status}`);
  if (status === 401 && !headers['www-authenticate']) problems.push('401 without WWW-Authenticate');
  if ((status === 429 || (status === 503 && !schema)) && !headers['retry-after'])
    problems.push(`${status} without Retry-After`);
  if (method === 'HEAD') return problems;

  if (status >= 400) {
    if (schema) problems.push(...documentedBodyProblems(status, headers['content-type'], text, schema));
    else problems.push(...errorShapeProblems(status, headers['content-type'], text));
    const scrubbed = echoes.filter((e) => e.length >= 3).reduce((t, echo) => t.split(echo).join(''), text);
    for (const [what, pattern] of LEAKS) if (pattern.test(scrubbed)) problems.push(`the body shows ${what}`);
  } else if (status < 300 && operation) {
    const documented = [...operation.jsonResponses.keys()].filter((s) => s < 300);
    if (!schema && documented.length && !operation.statuses.includes(status))
      problems.push(`success status ${status} is not documented (${documented.join(', ')})`);
    if (schema) problems.push(...documentedBodyProblems(status, headers['content-type'], text, schema));
  }
  return problems;
}

/** A 503 the operation documents: a dependency is down, which the API must say rather than hide. */
export function isDocumentedUnavailable(
  operation: Operation | undefined,
  status: number | undefined,
): boolean {
  return status === 503 && !!operation?.statuses.includes(503);
}

function documentedBodyProblems(
  status: number,
  contentType: string | undefined,
  text: string,
  schema: JsonSchema,
) {
  const parsed = parseJson(contentType, text);
  return typeof parsed === 'string' ? [`${status} body: ${parsed}`] : schemaViolations(parsed.value, schema);
}

function errorShapeProblems(status: number, contentType: string | undefined, text: string): string[] {
  const parsed = parseJson(contentType, text);
  if (typeof parsed === 'string') return [`error body: ${parsed}`];
  const body = parsed.value as Record<string, unknown>;
  if (!body || typeof body !== 'object' || Array.isArray(body)) return ['error body is not a JSON object'];
  const problems: string[] = [];
  const unknown = Object.keys(body).filter((key) => !ERROR_FIELDS.has(key));
  if (unknown.length) problems.push(`error body has undocumented fields ${unknown.join(', ')}`);
  if (body.statusCode !== status)
    problems.push(`error statusCode ${JSON.stringify(body.statusCode)} is not the status ${status}`);
  if (typeof body.error !== 'string' || !body.error) problems.push('error body lacks "error"');
  if (typeof body.code !== 'string' || !ERROR_CODE.test(body.code))
    problems.push(`error code ${JSON.stringify(body.code)} is not an UPPER_SNAKE string`);
  if (typeof body.message !== 'string' || !body.message) problems.push('error body lacks "message"');
  if (body.details !== undefined) {
    const wellFormed =
      Array.isArray(body.details) &&
      body.details.every(
        (d) =>
          d &&
          typeof d === 'object' &&
          typeof d.field === 'string' &&
          typeof d.message === 'string' &&
          Object.keys(d).every((key) => key === 'field' || key === 'message'),
      );
    if (!wellFormed) problems.push('error details are not an array of {field, message}');
  }
  return problems;
}

function parseJson(contentType: string | undefined, text: string): { value: unknown } | string {
  if (!contentType || !JSON_CONTENT_TYPE.test(contentType))
    return `content type ${JSON.stringify(contentType ?? null)}, not application/json`;
  try {
    return { value: JSON.parse(text) };
  } catch {
    return `not JSON: ${JSON.stringify(text.slice(0, 80))}`;
  }
}
