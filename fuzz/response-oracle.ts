import type { Exchange } from './http-exchange';
import type { JsonSchema, Operation } from './openapi-document';
import { schemaViolations } from './schema-conformance';

const ERROR_FIELDS = new Set(['type', 'title', 'status', 'detail', 'instance', 'code', 'errors', 'traceId']);
const ERROR_CODE = /^[A-Z][A-Z0-9_]*$/;
const TRACE_ID = /^(?!0{32})[0-9a-f]{32}$/;
const JSON_CONTENT_TYPE = /^application\/([\w.+-]+\+)?json\s*(;|$)/i;
const PROBLEM_JSON = /^application\/problem\+json\s*(;|$)/i;
const PLAIN_JSON = /^application\/json\s*(;|$)/i;

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
  /** The request's `Accept`: an error is problem+json unless it names plain JSON. */
  accept?: string | readonly string[];
}

/**
 * Everything wrong with one answer: a 5xx (but a 503 the operation documents: a dependency is down) or
 * none at all; an error (4xx) that is not problem details (RFC 9457: `application/problem+json`, or
 * `application/json` when the request's `Accept` named it; `type`, `title`, `status`, `detail`, `code`,
 * optional `instance`, `errors` and `traceId`, nothing else), whose `status` differs from the HTTP status
 * or whose `type` is not the code's page, that leaks internals, or that lacks its header (401
 * `WWW-Authenticate`, 429 and 503 `Retry-After`); a success that is not the JSON the document describes.
 * An error the document gives a schema of its own (a readiness probe's 503) is checked against that schema
 * instead; one it documents as problem details is judged as above. Empty when the answer is fine.
 */
export function judge({ operation, method, exchange, echoes, accept }: Judgement): string[] {
  const { status, headers, text } = exchange;
  if (status === undefined)
    return [
      exchange.error === 'timeout'
        ? `no answer within the timeout (${exchange.ms} ms)`
        : `no answer: ${exchange.error}`,
    ];
  const problems: string[] = [];
  const schema = operation?.jsonResponses.get(status);
  // An error documented as problem details is judged as one; another schema is the error's own.
  const ownSchema = status >= 400 && schema && isProblemDetails(schema) ? undefined : schema;
  if (status >= 500 && !isDocumentedUnavailable(operation, status)) problems.push(`server error ${status}`);
  if (status < 200 || (status >= 300 && status < 400)) problems.push(`unexpected status ${status}`);
  if (status === 401 && !headers['www-authenticate']) problems.push('401 without WWW-Authenticate');
  if ((status === 429 || (status === 503 && !ownSchema)) && !headers['retry-after'])
    problems.push(`${status} without Retry-After`);
  if (method === 'HEAD') return problems;

  if (status >= 400) {
    if (ownSchema) problems.push(...documentedBodyProblems(status, headers['content-type'], text, ownSchema));
    else problems.push(...errorShapeProblems(status, headers['content-type'], text, accept));
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

function errorShapeProblems(
  status: number,
  contentType: string | undefined,
  text: string,
  accept: string | readonly string[] | undefined,
): string[] {
  const parsed = parseJson(contentType, text);
  if (typeof parsed === 'string') return [`error body: ${parsed}`];
  const problems: string[] = [];
  if (!PROBLEM_JSON.test(contentType!) && !(PLAIN_JSON.test(contentType!) && namesPlainJson(accept)))
    problems.push(`error content type ${JSON.stringify(contentType)} is not application/problem+json`);
  const body = parsed.value as Record<string, unknown>;
  if (!body || typeof body !== 'object' || Array.isArray(body))
    return [...problems, 'error body is not a JSON object'];
  const unknown = Object.keys(body).filter((key) => !ERROR_FIELDS.has(key));
  if (unknown.length) problems.push(`error body has undocumented fields ${unknown.join(', ')}`);
  if (body.status !== status)
    problems.push(`error status ${JSON.stringify(body.status)} is not the status ${status}`);
  if (typeof body.code !== 'string' || !ERROR_CODE.test(body.code))
    problems.push(`error code ${JSON.stringify(body.code)} is not an UPPER_SNAKE string`);
  else if (!isTypeOf(body.type, body.code))
    problems.push(`error type ${JSON.stringify(body.type)} is not the page of ${body.code}`);
  for (const field of ['title', 'detail'])
    if (typeof body[field] !== 'string' || !body[field]) problems.push(`error body lacks "${field}"`);
  if (body.instance !== undefined && (typeof body.instance !== 'string' || !/^\/[^?#]*$/.test(body.instance)))
    problems.push(`error instance ${JSON.stringify(body.instance)} is not a path`);
  if (body.traceId !== undefined && (typeof body.traceId !== 'string' || !TRACE_ID.test(body.traceId)))
    problems.push(`error traceId ${JSON.stringify(body.traceId)} is not a trace id`);
  if (body.errors !== undefined) {
    const wellFormed =
      Array.isArray(body.errors) &&
      body.errors.length > 0 &&
      body.errors.every(
        (d) =>
          d &&
          typeof d === 'object' &&
          typeof d.field === 'string' &&
          typeof d.message === 'string' &&
          Object.keys(d).every((key) => key === 'field' || key === 'message'),
      );
    if (!wellFormed) problems.push('error errors are not a non-empty array of {field, message}');
  }
  return problems;
}

/** A documented schema with the members of problem details: the API's error body, not one of its own. */
function isProblemDetails(schema: JsonSchema): boolean {
  const properties = schema.properties ?? {};
  return ['type', 'title', 'status', 'detail', 'code'].every((name) => name in properties);
}

/** `about:blank`, or an absolute URI ending with the code in lower-kebab-case (`…/rate-limited`). */
function isTypeOf(type: unknown, code: string): boolean {
  if (type === 'about:blank') return true;
  const page = `/${code.toLowerCase().replaceAll('_', '-')}`;
  return typeof type === 'string' && URL.canParse(type) && type.endsWith(page);
}

/** Whether an `Accept` header names `application/json` (parameters aside): the one case for plain JSON. */
function namesPlainJson(accept: string | readonly string[] | undefined): boolean {
  const ranges = (typeof accept === 'string' ? accept : (accept ?? []).join(',')).split(',');
  return ranges.some((range) => range.split(';', 1)[0].trim().toLowerCase() === 'application/json');
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
