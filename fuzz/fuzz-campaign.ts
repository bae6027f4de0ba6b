import http from 'node:http';
import https from 'node:https';
import { createFuzzCredentials, type FuzzCredentials } from './fuzz-credentials';
import type { FuzzProfile } from './fuzz-profile';
import { curlOf, describe, echoesOf, toWireRequest, type FuzzRequest } from './fuzz-request';
import { exchange, type Exchange } from './http-exchange';
import { fetchDocument, operationsOf } from './openapi-document';
import { planFingerprint, planRequests } from './request-plan';
import { isDocumentedUnavailable, judge } from './response-oracle';
import { seedPools, type ApiCall } from './seed-pools';

export interface CampaignOptions {
  baseUrl: string;
  /** The API's local signing key (AUTH_LOCAL_KEY_FILE): every kind of token is made with it. */
  keyFile: string;
  seed: number;
  runs: number;
  /** Requests in flight at once. @default 8 */
  concurrency?: number;
  /** A request unanswered this long is a failure (a hang). @default 10_000 */
  timeoutMs?: number;
  profile: FuzzProfile;
  /** Send only the request with this index of the plan (reproducing a failure). */
  replay?: number;
  onProgress?: (done: number, total: number) => void;
}

export type StatusClass = '2xx' | '3xx' | '4xx' | '5xx' | 'no answer';

export interface Failure {
  /** Index in the plan: `--seed S --runs N --replay <index>` sends it again. */
  index: number;
  operation: string;
  request: string;
  /** A shell command that sends it again (with the campaign's tokens). */
  curl: string;
  status?: number;
  problems: string[];
  response: string;
}

export interface CampaignResult {
  seed: number;
  runs: number;
  fingerprint: string;
  requests: number;
  durationMs: number;
  byClass: Record<StatusClass, number>;
  /** 503s the operation documents (a dependency was down, e.g. readiness on an overloaded machine). */
  documentedUnavailable: number;
  byOperation: Map<string, Record<StatusClass, number>>;
  byStatus: Map<number, number>;
  /** Every operation of the document (METHOD /path). */
  operations: string[];
  /** Operations of the document no request reached. */
  uncovered: string[];
  failures: Failure[];
  /** The request that took longest to answer. */
  slowest?: { ms: number; index: number; request: string };
}

/**
 * Reads the API's OpenAPI document, seeds objects, plans `runs` requests from the document with
 * `seed`, sends them `concurrency` at a time and judges every answer (response-oracle.ts). Finally
 * sends the profile's cleanup requests.
 */
export async function runFuzzCampaign(options: CampaignOptions): Promise<CampaignResult> {
  const { profile, seed, runs } = options;
  const concurrency = options.concurrency ?? 8;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const baseUrl = new URL(options.baseUrl);
  const document = await fetchDocument(options.baseUrl, profile.documentPath);
  const operations = operationsOf(document);
  const credentials = await createFuzzCredentials(options.keyFile, profile);
  const agent = new (baseUrl.protocol === 'https:' ? https : http).Agent({
    keepAlive: true,
    maxSockets: concurrency,
  });
  try {
    const call = jsonCaller(baseUrl, credentials, agent, timeoutMs);
    const { pools, fieldValues } = await seedPools(operations, credentials, call, profile.seedPerCustomer);
    const plan = planRequests(
      operations,
      {
        pools,
        fieldValues,
        valueCaps: profile.valueCaps,
        extraFields: profile.extraFields,
        extraQueryParameters: profile.extraQueryParameters,
        oversizedBodyBytes: profile.oversizedBodyBytes,
      },
      seed,
      runs,
    );
    const byKey = new Map(operations.map((o) => [o.key, o]));
    const result: CampaignResult = {
      seed,
      runs,
      fingerprint: planFingerprint(plan),
      requests: 0,
      durationMs: 0,
      byClass: emptyClasses(),
      documentedUnavailable: 0,
      byOperation: new Map(),
      byStatus: new Map(),
      operations: operations.map((o) => o.key),
      uncovered: [],
      failures: [],
    };
    const indexes =
      options.replay === undefined ? plan.map((_, i) => i) : [options.replay].filter((i) => i < plan.length);
    const started = performance.now();
    let next = 0;
    const worker = async () => {
      while (next < indexes.length) {
        const index = indexes[next++];
        const request = plan[index];
        const wire = toWireRequest(request, credentials, pools);
        const answer = await exchange(baseUrl, wire, { timeoutMs, agent });
        record(result, request, answer);
        if (answer.ms > (result.slowest?.ms ?? -1))
          result.slowest = { ms: answer.ms, index, request: describe(request) };
        if (isDocumentedUnavailable(byKey.get(request.operation), answer.status))
          result.documentedUnavailable += 1;
        const problems = judge({
          operation: byKey.get(request.operation),
          method: request.method,
          exchange: answer,
          echoes: echoesOf(request),
          accept: wire.headers.accept,
        });
        if (problems.length || options.replay !== undefined)
          result.failures.push({
            index,
            operation: request.operation,
            request: describe(request),
            curl: curlOf(options.baseUrl, wire),
            status: answer.status,
            problems,
            response:
              answer.status === undefined
                ? `(${answer.error})`
                : `${answer.status} ${JSON.stringify(answer.headers['content-type'] ?? null)} ${answer.text.slice(0, 500)}`,
          });
        options.onProgress?.(result.requests, indexes.length);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    result.durationMs = Math.round(performance.now() - started);
    if (options.replay === undefined)
      result.uncovered = result.operations.filter((key) => !result.byOperation.has(key));
    result.failures.sort((a, b) => a.index - b.index);
    for (const { method, path } of profile.cleanup)
      if (byKey.has(`${method} ${path}`)) await call(method, path, { token: 'operator' });
    return result;
  } finally {
    agent.destroy();
  }
}

function jsonCaller(
  baseUrl: URL,
  credentials: FuzzCredentials,
  agent: http.Agent,
  timeoutMs: number,
): ApiCall {
  return async (method, path, { token, body }) => {
    const headers: Record<string, string> = {};
    if (token) headers.authorization = `Bearer ${credentials.token(token)}`;
    let bytes: Buffer | undefined;
    if (body !== undefined) {
      bytes = Buffer.from(JSON.stringify(body));
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(bytes.length);
    }
    const answer = await exchange(
      baseUrl,
      { method, target: path, headers, body: bytes },
      { timeoutMs, agent },
    );
    if (answer.status === undefined) throw new Error(`${method} ${path}: ${answer.error}`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(answer.text);
    } catch {
      parsed = answer.text;
    }
    return { status: answer.status, body: parsed };
  };
}

function record(result: CampaignResult, request: FuzzRequest, answer: Exchange): void {
  const statusClass: StatusClass =
    answer.status === undefined ? 'no answer' : (`${Math.floor(answer.status / 100)}xx` as StatusClass);
  result.requests += 1;
  result.byClass[statusClass] += 1;
  if (answer.status !== undefined)
    result.byStatus.set(answer.status, (result.byStatus.get(answer.status) ?? 0) + 1);
  const perOperation = result.byOperation.get(request.operation) ?? emptyClasses();
  perOperation[statusClass] += 1;
  result.byOperation.set(request.operation, perOperation);
}

const emptyClasses = (): Record<StatusClass, number> => ({
  '2xx': 0,
  '3xx': 0,
  '4xx': 0,
  '5xx': 0,
  'no answer': 0,
});
