import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface IndexedDocument {
  index: string;
  doc: Record<string, any>;
}

export interface FakeElasticsearch {
  url: string;
  /** What was written, with the name it was written to (a data stream's name, not its backing index). */
  documents: IndexedDocument[];
  close(): Promise<void>;
}

/** The server release the double plays: the major of the compose file's Elasticsearch image. */
export const FAKE_ELASTICSEARCH_VERSION = '9.5.0';
const MAJOR = Number(FAKE_ELASTICSEARCH_VERSION.split('.')[0]);

/**
 * REST API compatibility as Elasticsearch enforces it: a client may ask for this major or the one
 * before (`compatible-with=N` in Accept or Content-Type), anything else is refused.
 */
function incompatibleMediaType(headers: Record<string, string | string[] | undefined>): string | undefined {
  for (const name of ['accept', 'content-type']) {
    const compatibleWith = /compatible-with=(\d+)/.exec(String(headers[name] ?? ''))?.[1];
    if (compatibleWith && ![MAJOR, MAJOR - 1].includes(Number(compatibleWith)))
      return `A compatible version is required on both Content-Type and Accept headers if either one has requested a compatible version. Accept=${String(headers.accept)}, Content-Type=${String(headers['content-type'])}`;
  }
  return undefined;
}

/** An error Elasticsearch answers with: its HTTP status, `error.type` and `error.reason`. */
class ElasticsearchError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    readonly reason: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(reason);
  }

  get body() {
    const cause = { type: this.type, reason: this.reason, ...this.extra };
    return { error: { root_cause: [cause], ...cause }, status: this.status };
  }
}

/** What the double does not evaluate: refused (400), never answered with a guess. */
const unsupported = (what: string) =>
  new ElasticsearchError(400, 'parsing_exception', `the Elasticsearch test double does not evaluate ${what}`);

const indexNotFound = (name: string) =>
  new ElasticsearchError(404, 'index_not_found_exception', `no such index [${name}]`, {
    'resource.type': 'index_or_alias',
    'resource.id': name,
    index: name,
  });

// ---------------------------------------------------------------------------------------------------------
// Index expressions, resolved as Elasticsearch resolves them for a search
// ---------------------------------------------------------------------------------------------------------

/** Elasticsearch's simple match (`Regex.simpleMatch`): `*` stands for any run of characters, nothing else is special. */
export function simpleMatch(pattern: string, name: string): boolean {
  const parts = pattern.split('*');
  if (parts.length === 1) return pattern === name;
  const [first, ...rest] = parts;
  const last = rest.pop()!;
  if (!name.startsWith(first) || !name.endsWith(last) || name.length < first.length + last.length)
    return false;
  let at = first.length;
  const end = name.length - last.length;
  for (const part of rest) {
    const found = name.indexOf(part, at);
    if (found < 0 || found + part.length > end) return false;
    at = found + part.length;
  }
  return true;
}

/** The indices and data streams of the double's cluster. */
interface ClusterState {
  /** Data stream → its backing indices (hidden, `.ds-<stream>-<yyyy.MM.dd>-<generation>`). */
  dataStreams: Map<string, string[]>;
  /** Every concrete index (regular and backing) and whether it is hidden. */
  indices: Map<string, { hidden: boolean }>;
}

export interface IndicesOptions {
  /** A missing concrete name is skipped instead of answering 404. Search default: false. */
  ignoreUnavailable: boolean;
  /** A wildcard that matches nothing is no error. Search default: true. */
  allowNoIndices: boolean;
  /** `expand_wildcards`: `open` (default), `hidden`, `all` or `none` (comma-separated). */
  expandWildcards: string;
}

const SEARCH_DEFAULTS: IndicesOptions = {
  ignoreUnavailable: false,
  allowNoIndices: true,
  expandWildcards: 'open',
};

/**
 * The concrete indices a comma-separated index expression searches, following Elasticsearch's rules:
 * `*` matches any run of characters in the names of indices and data streams; a data stream stands for its
 * backing indices; wildcards skip hidden indices (a data stream's backing indices are hidden) unless
 * `expand_wildcards` includes `hidden` or both the expression and the index name start with `.`; `-name`
 * after a wildcard excludes; a concrete name that exists nowhere is a 404 unless `ignore_unavailable`.
 * Date math and aliases are not modelled (nothing here creates either).
 */
function resolveIndexExpression(
  expression: string,
  cluster: ClusterState,
  options: IndicesOptions = SEARCH_DEFAULTS,
): string[] {
  const expand = new Set(options.expandWildcards.split(',').map((s) => s.trim()));
  // Every index here is open: wildcards reach them with `open` (or `all`), and nothing with `closed` or `none`.
  const expandOpen = expand.has('open') || expand.has('all');
  const expandHidden = expand.has('hidden') || expand.has('all');
  const wildcard = (pattern: string): string[] => {
    if (!expandOpen) return [];
    const found: string[] = [];
    for (const [stream, backing] of cluster.dataStreams)
      if (simpleMatch(pattern, stream)) found.push(...backing); // data streams themselves are visible
    for (const [index, { hidden }] of cluster.indices) {
      const visible = !hidden || expandHidden || (index.startsWith('.') && pattern.startsWith('.'));
      if (visible && simpleMatch(pattern, index)) found.push(index);
    }
    return found;
  };
  const resolved = new Set<string>();
  let wildcardSeen = false;
  for (const part of (expression.trim() === '' ? '_all' : expression).split(',').map((p) => p.trim())) {
    if (part.startsWith('<')) throw unsupported(`date math in index names (${part})`);
    if (part.startsWith('-') && wildcardSeen) {
      const excluded = part.slice(1);
      for (const index of excluded.includes('*') ? wildcard(excluded) : concrete(excluded))
        resolved.delete(index);
      continue;
    }
    if (part === '_all' || part.includes('*')) {
      wildcardSeen = true;
      const found = wildcard(part === '_all' ? '*' : part);
      if (found.length === 0 && !options.allowNoIndices) throw indexNotFound(part);
      for (const index of found) resolved.add(index);
      continue;
    }
    const found = concrete(part);
    if (found.length === 0 && !options.ignoreUnavailable) throw indexNotFound(part);
    for (const index of found) resolved.add(index);
  }
  return [...resolved];

  function concrete(name: string): string[] {
    return cluster.dataStreams.get(name) ?? (cluster.indices.has(name) ? [name] : []);
  }
}

const backingIndexName = (stream: string, created: Date) =>
  `.ds-${stream}-${created.toISOString().slice(0, 10).replaceAll('-', '.')}-000001`;

/**
 * Which of `dataStreams` a search on `expression` reads (each with its backing index, as the double creates
 * them), by the resolution above: what a Grafana datasource's or a Kibana data view's index pattern covers.
 */
export function dataStreamsSearchedBy(
  expression: string,
  dataStreams: Iterable<string>,
  options: Partial<IndicesOptions> = {},
): string[] {
  const cluster: ClusterState = { dataStreams: new Map(), indices: new Map() };
  const created = new Date();
  for (const stream of dataStreams) {
    const backing = backingIndexName(stream, created);
    cluster.dataStreams.set(stream, [backing]);
    cluster.indices.set(backing, { hidden: true });
  }
  const indices = new Set(resolveIndexExpression(expression, cluster, { ...SEARCH_DEFAULTS, ...options }));
  return [...cluster.dataStreams]
    .filter(([, backing]) => backing.some((b) => indices.has(b)))
    .map(([s]) => s);
}

// ---------------------------------------------------------------------------------------------------------
// Queries: the subset of the query DSL a Grafana logs query and the tests use
// ---------------------------------------------------------------------------------------------------------

/**
 * Every value at a field path, whether the source nests objects (`{"trace":{"id":…}}`) or writes the path
 * with dots (`{"trace.id":…}`), as Elasticsearch indexes both.
 */
function valuesAt(source: unknown, path: string): unknown[] {
  if (Array.isArray(source)) return source.flatMap((item) => valuesAt(item, path));
  if (source === null || typeof source !== 'object') return [];
  const found: unknown[] = [];
  for (const [key, value] of Object.entries(source)) {
    if (key === path) found.push(...(Array.isArray(value) ? value.flat(Infinity) : [value]));
    else if (path.startsWith(`${key}.`)) found.push(...valuesAt(value, path.slice(key.length + 1)));
  }
  return found;
}

/** A leaf value as the text a keyword field holds (objects and nulls hold none). */
function keywordText(value: unknown): string | undefined {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
    ? String(value)
    : undefined;
}

function leafValues(source: unknown): unknown[] {
  if (Array.isArray(source)) return source.flatMap(leafValues);
  if (source !== null && typeof source === 'object') return Object.values(source).flatMap(leafValues);
  return [source];
}

/**
 * Field values compare as keywords: whole values, case-sensitive. The identifiers log queries filter on
 * (`trace.id`, `span.id`, `order.id`…) are keywords in ops/elasticsearch/component-template.ecs.json; the
 * double does no text analysis, so a query for a word inside a `message` finds nothing here.
 */
const sameKeyword = (value: unknown, wanted: unknown) => {
  const text = keywordText(value);
  return text !== undefined && text === keywordText(wanted);
};

/** Dates (ISO strings) and numbers as numbers, to compare in ranges and sorts. */
function comparable(value: unknown, format?: string): number {
  if (typeof value === 'number') return value;
  const text = String(value);
  if (format === 'epoch_millis' || /^-?\d+(\.\d+)?$/.test(text)) return Number(text);
  const date = Date.parse(text);
  if (Number.isNaN(date))
    throw unsupported(`a range on the non-date, non-number value ${JSON.stringify(text)}`);
  return date;
}

type Clause = { negated: boolean; field?: string; value: string };

/**
 * A Lucene query string of `field:"phrase"`, `field:term`, `"phrase"` and `term` clauses, each optionally
 * negated (`NOT`, `-`, `!`), joined by one kind of operator (`AND`/`&&` or `OR`/`||`, the default operator
 * between bare neighbours). Grouping, ranges, wildcards, fuzziness and boosts are refused.
 */
function parseQueryString(
  query: string,
  defaultOperator: 'AND' | 'OR',
): { operator: 'AND' | 'OR'; clauses: Clause[] } {
  const clauses: Clause[] = [];
  const operators = new Set<'AND' | 'OR'>();
  let at = 0;
  let pendingOperator = false;
  const refuse = (what: string) => unsupported(`${what} in the query string ${JSON.stringify(query)}`);
  const skipSpace = () => {
    while (at < query.length && /\s/.test(query[at])) at++;
  };
  const readQuoted = () => {
    let value = '';
    at++; // opening quote
    while (at < query.length && query[at] !== '"') {
      if (query[at] === '\\') at++;
      value += query[at++];
    }
    if (query[at] !== '"') throw refuse('an unterminated phrase');
    at++;
    return value;
  };
  const readWord = () => {
    let word = '';
    while (at < query.length && !/[\s()"]/.test(query[at])) {
      if (query[at] === '\\') at++;
      word += query[at++];
    }
    return word;
  };
  for (skipSpace(); at < query.length; skipSpace()) {
    if (query[at] === '(' || query[at] === ')') throw refuse('grouping');
    let negated = false;
    if (query.startsWith('NOT ', at) || query[at] === '-' || query[at] === '!') {
      negated = true;
      at += query.startsWith('NOT ', at) ? 4 : 1;
      skipSpace();
    }
    let field: string | undefined;
    let value: string;
    if (query[at] === '"') value = readQuoted();
    else {
      const word = readWord();
      const operator = { AND: 'AND', '&&': 'AND', OR: 'OR', '||': 'OR' }[word] as 'AND' | 'OR' | undefined;
      if (operator && !negated) {
        if (clauses.length === 0 || pendingOperator) throw refuse(`a misplaced ${word}`);
        operators.add(operator);
        pendingOperator = true;
        continue;
      }
      const colon = word.indexOf(':');
      if (colon > 0) {
        field = word.slice(0, colon);
        const rest = word.slice(colon + 1);
        if (rest === '' && query[at] === '"') value = readQuoted();
        else value = rest;
      } else value = word;
      if (value === '' || /[*?~^[\]{}:/]/.test(value) || /[*?]/.test(field ?? ''))
        throw refuse(`the clause ${JSON.stringify(word)}`);
    }
    if (clauses.length > 0 && !pendingOperator) operators.add(defaultOperator);
    pendingOperator = false;
    clauses.push({ negated, field, value });
  }
  if (pendingOperator) throw refuse('a trailing operator');
  if (operators.size > 1) throw refuse('AND and OR mixed without grouping');
  return { operator: [...operators][0] ?? defaultOperator, clauses };
}

function matchesQuery(query: Record<string, any> | undefined, source: Record<string, any>): boolean {
  if (query === undefined) return true;
  const entries = Object.entries(query);
  if (entries.length !== 1) throw unsupported(`a query object with ${entries.length} keys`);
  const [type, spec] = entries[0];
  const single = (what: string) => {
    const fields = Object.entries(spec ?? {});
    if (fields.length !== 1) throw unsupported(`a ${what} query on ${fields.length} fields`);
    return fields[0] as [string, any];
  };
  const list = (clauses: unknown) =>
    clauses === undefined ? [] : Array.isArray(clauses) ? clauses : [clauses];
  switch (type) {
    case 'match_all':
      return true;
    case 'bool': {
      const must = [...list(spec.must), ...list(spec.filter)];
      const should = list(spec.should);
      const minimumShould = Number(
        spec.minimum_should_match ?? (must.length === 0 && should.length > 0 ? 1 : 0),
      );
      return (
        must.every((clause) => matchesQuery(clause, source)) &&
        !list(spec.must_not).some((clause) => matchesQuery(clause, source)) &&
        should.filter((clause) => matchesQuery(clause, source)).length >= minimumShould
      );
    }
    case 'term': {
      const [field, wanted] = single('term');
      const value = wanted !== null && typeof wanted === 'object' ? wanted.value : wanted;
      return valuesAt(source, field).some((v) => sameKeyword(v, value));
    }
    case 'terms': {
      const [field, wanted] = single('terms');
      return valuesAt(source, field).some((v) => (wanted as unknown[]).some((w) => sameKeyword(v, w)));
    }
    case 'exists': {
      return valuesAt(source, spec.field).some((v) => v !== null && v !== undefined);
    }
    case 'range': {
      const [field, bounds] = single('range');
      const { format, gte, gt, lte, lt, ...rest } = bounds;
      if (Object.keys(rest).length > 0) throw unsupported(`range options ${Object.keys(rest).join(', ')}`);
      return valuesAt(source, field).some((raw) => {
        const v = comparable(raw);
        return (
          (gte === undefined || v >= comparable(gte, format)) &&
          (gt === undefined || v > comparable(gt, format)) &&
          (lte === undefined || v <= comparable(lte, format)) &&
          (lt === undefined || v < comparable(lt, format))
        );
      });
    }
    case 'query_string': {
      const { query: text, default_field, default_operator = 'OR', analyze_wildcard: _, ...rest } = spec;
      if (Object.keys(rest).length > 0)
        throw unsupported(`query_string options ${Object.keys(rest).join(', ')}`);
      if (default_field !== undefined && default_field !== '*')
        throw unsupported(`query_string default_field ${default_field}`);
      const { operator, clauses } = parseQueryString(
        String(text),
        String(default_operator).toUpperCase() as 'AND',
      );
      const holds = (clause: Clause) => {
        const values = clause.field === undefined ? leafValues(source) : valuesAt(source, clause.field);
        return values.some((v) => sameKeyword(v, clause.value)) !== clause.negated;
      };
      if (clauses.length === 0) return true; // an empty query string matches everything
      return operator === 'AND' ? clauses.every(holds) : clauses.some(holds);
    }
    default:
      throw unsupported(`${type} queries`);
  }
}

interface StoredDocument {
  id: string;
  /** Order of arrival, which `_doc` sorts on. */
  seq: number;
  index: string;
  source: Record<string, any>;
}

type SortKey = { field: string; order: 'asc' | 'desc' };

function sortKeys(sort: unknown): SortKey[] {
  return (sort === undefined ? [] : Array.isArray(sort) ? sort : [sort]).map((entry) => {
    if (typeof entry === 'string') return { field: entry, order: entry === '_score' ? 'desc' : 'asc' };
    const [[field, spec]] = Object.entries(entry as Record<string, any>);
    const order = typeof spec === 'string' ? spec : (spec?.order ?? 'asc');
    return { field, order: order === 'desc' ? 'desc' : 'asc' };
  });
}

/** Compares by each key in turn; documents without a value sort last, as Elasticsearch's `missing: _last`. */
function compareBy(keys: SortKey[]) {
  return (a: StoredDocument, b: StoredDocument): number => {
    for (const { field, order } of keys) {
      if (field === '_score') continue; // filters score nothing: every hit scores alike
      const [x, y] =
        field === '_doc' ? [a.seq, b.seq] : [valuesAt(a.source, field)[0], valuesAt(b.source, field)[0]];
      if (x === y) continue;
      if (x === undefined) return 1;
      if (y === undefined) return -1;
      let difference: number;
      try {
        difference = comparable(x) - comparable(y);
      } catch {
        difference = (keywordText(x) ?? '') < (keywordText(y) ?? '') ? -1 : 1;
      }
      if (difference !== 0) return order === 'desc' ? -difference : difference;
    }
    return a.seq - b.seq;
  };
}

/**
 * Request body keys that choose which documents come back (evaluated), and those that only decorate the
 * answer (accepted, not evaluated: no aggregations, highlights or extra fields come back).
 */
const EVALUATED = new Set(['query', 'size', 'from', 'sort', 'track_total_hits', '_source']);
const DECORATIONS = new Set([
  'aggs',
  'aggregations',
  'highlight',
  'docvalue_fields',
  'fields',
  'script_fields',
]);

function search(
  cluster: ClusterState,
  stored: StoredDocument[],
  expression: string,
  body: Record<string, any>,
  options: IndicesOptions,
) {
  for (const key of Object.keys(body))
    if (!EVALUATED.has(key) && !DECORATIONS.has(key)) throw unsupported(`the search option ${key}`);
  const indices = new Set(resolveIndexExpression(expression, cluster, options));
  const matching = stored
    .filter((d) => indices.has(d.index) && matchesQuery(body.query, d.source))
    .sort(compareBy(sortKeys(body.sort)));
  const from = Number(body.from ?? 0);
  const size = Number(body.size ?? 10);
  return {
    took: 1,
    timed_out: false,
    _shards: { total: indices.size, successful: indices.size, skipped: 0, failed: 0 },
    hits: {
      total: { value: matching.length, relation: 'eq' },
      max_score: null,
      hits: matching.slice(from, from + size).map((d) => ({
        _index: d.index,
        _id: d.id,
        _score: null,
        ...(body._source === false ? {} : { _source: d.source }),
      })),
    },
  };
}

function indicesOptionsFrom(read: (name: string) => unknown): IndicesOptions {
  const flag = (name: string, fallback: boolean) => {
    const value = read(name);
    return value === undefined || value === null ? fallback : keywordText(value) === 'true';
  };
  const expand = read('expand_wildcards');
  return {
    ignoreUnavailable: flag('ignore_unavailable', SEARCH_DEFAULTS.ignoreUnavailable),
    allowNoIndices: flag('allow_no_indices', SEARCH_DEFAULTS.allowNoIndices),
    expandWildcards:
      expand === undefined || expand === null
        ? SEARCH_DEFAULTS.expandWildcards
        : Array.isArray(expand)
          ? expand.join(',')
          : (keywordText(expand) ?? SEARCH_DEFAULTS.expandWildcards),
  };
}

/**
 * An Elasticsearch test double over real HTTP (no Elasticsearch server can run here). Like the real server
 * it refuses clients of a newer major (`media_type_header_exception`).
 *
 * - `_bulk` answers item by item and keeps what was indexed. A create (`create`, or `index` with
 *   `op_type: create`) into a new name makes a data stream (with one hidden backing index,
 *   `.ds-<name>-<date>-000001`), as the index templates of ops/elasticsearch/bootstrap.js make every
 *   stream the apps write to; any other `index` into a new name makes a regular index, and into a data
 *   stream is refused, as data streams take creates only.
 * - `_search` and `_msearch` resolve index expressions by Elasticsearch's rules (see
 *   `resolveIndexExpression`) and evaluate `match_all`, `bool`, `term`, `terms`, `exists`, `range` and a
 *   subset of `query_string` (see `parseQueryString`), comparing field values as keywords. Whatever else a
 *   query asks is refused with a 400, never guessed.
 */
export async function startFakeElasticsearch(): Promise<FakeElasticsearch> {
  const documents: IndexedDocument[] = [];
  const stored: StoredDocument[] = [];
  const cluster: ClusterState = { dataStreams: new Map(), indices: new Map() };
  let nextId = 0;

  function write(
    action: 'create' | 'index',
    target: string,
    id: string | undefined,
    doc: Record<string, any>,
  ) {
    if (!cluster.dataStreams.has(target) && !cluster.indices.has(target)) {
      if (action === 'create') {
        const backing = backingIndexName(target, new Date());
        cluster.dataStreams.set(target, [backing]);
        cluster.indices.set(backing, { hidden: true });
      } else cluster.indices.set(target, { hidden: false });
    }
    const stream = cluster.dataStreams.get(target);
    if (stream && action !== 'create')
      return {
        status: 400,
        error: {
          type: 'illegal_argument_exception',
          reason: `only write ops with an op_type of create are allowed in data streams`,
        },
      };
    const index = stream ? stream[stream.length - 1] : target;
    const _id = id ?? `doc-${++nextId}`;
    documents.push({ index: target, doc });
    stored.push({ id: _id, seq: stored.length, index, source: doc });
    return { _index: index, _id, status: 201, result: 'created' };
  }

  function route(method: string, url: URL, body: string): { status: number; body: unknown } {
    const segments = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const endpoint = segments[segments.length - 1];
    const pathIndex = segments.length === 2 ? segments[0] : undefined;
    if (method === 'POST' && endpoint === '_bulk') {
      const lines = body
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, any>);
      const items = [];
      for (let i = 0; i < lines.length; i += 2) {
        const meta = lines[i].create ?? lines[i].index;
        // `{"index":{"op_type":"create"}}` is a create too (what pino-elasticsearch sends), answered as one.
        const action = lines[i].create || meta.op_type === 'create' ? 'create' : 'index';
        items.push({ [action]: write(action, meta._index ?? pathIndex, meta._id, lines[i + 1]) });
      }
      return {
        status: 200,
        body: { took: 1, errors: items.some((it) => Object.values(it)[0].status >= 300), items },
      };
    }
    if ((method === 'GET' || method === 'POST') && endpoint === '_search') {
      const options = indicesOptionsFrom((name) => url.searchParams.get(name) ?? undefined);
      const request = body.trim() === '' ? {} : (JSON.parse(body) as Record<string, any>);
      for (const name of ['size', 'from'])
        if (url.searchParams.has(name)) request[name] ??= Number(url.searchParams.get(name));
      return { status: 200, body: search(cluster, stored, pathIndex ?? '_all', request, options) };
    }
    if ((method === 'GET' || method === 'POST') && endpoint === '_msearch') {
      const lines = body
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as Record<string, any>);
      const responses = [];
      for (let i = 0; i < lines.length; i += 2) {
        const header = lines[i];
        const expression = Array.isArray(header.index) ? header.index.join(',') : (header.index ?? pathIndex);
        try {
          const options = indicesOptionsFrom(
            (name) => header[name] ?? url.searchParams.get(name) ?? undefined,
          );
          responses.push({
            ...search(cluster, stored, expression ?? '_all', lines[i + 1] ?? {}, options),
            status: 200,
          });
        } catch (error) {
          if (!(error instanceof ElasticsearchError)) throw error;
          responses.push(error.body);
        }
      }
      return { status: 200, body: { took: 1, responses } };
    }
    if (method === 'GET' && segments.length === 0)
      return {
        status: 200,
        body: {
          name: 'fake',
          version: { number: FAKE_ELASTICSEARCH_VERSION },
          tagline: 'You Know, for Search',
        },
      };
    throw unsupported(`${method} ${url.pathname}`);
  }

  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      response.setHeader('x-elastic-product', 'Elasticsearch');
      response.setHeader('content-type', 'application/json');
      const refusal = incompatibleMediaType(request.headers);
      if (refusal) {
        response.statusCode = 400;
        response.end(
          JSON.stringify({
            error: { type: 'media_type_header_exception', reason: 'Invalid media-type value on headers' },
            status: 400,
            detail: refusal,
          }),
        );
        return;
      }
      let answer: { status: number; body: unknown };
      try {
        answer = route(request.method ?? 'GET', new URL(request.url ?? '/', 'http://localhost'), body);
      } catch (error) {
        const failure =
          error instanceof ElasticsearchError
            ? error
            : new ElasticsearchError(
                400,
                'parse_exception',
                error instanceof Error ? error.message : String(error),
              );
        answer = { status: failure.status, body: failure.body };
      }
      response.statusCode = answer.status;
      response.end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    documents,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
