import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { ApiError } from './api-error';
import type { FieldProblem } from './problem-details';

/**
 * Deepest nesting a JSON body may have. The API's own bodies are 3 levels deep; validation transforms
 * bodies recursively, one stack frame per level, and 1 MiB of `[[[[…]]]]` nests 500,000 levels deep.
 */
export const MAX_JSON_DEPTH = 32;

/**
 * Refuses parsed JSON bodies the API could not handle, before validation sees them (400): nested
 * deeper than MAX_JSON_DEPTH (a stack overflow, then a 500), or with a NUL character in a string or
 * key (valid JSON, but PostgreSQL text cannot hold it: the insert failed with a 500).
 */
export function refuseUnprocessableJson(
  request: FastifyRequest,
  _reply: FastifyReply,
  done: HookHandlerDoneFunction,
): void {
  const problem = firstProblem(request.body);
  if (!problem) return done();
  // Answered by the exception filter: the request goes no further.
  done(new ApiError(400, 'VALIDATION_FAILED', 'The request is not valid', [problem]));
}

/** Walks the body without recursion (its depth is what is being checked). */
function firstProblem(body: unknown): FieldProblem | undefined {
  const pending: Array<{ value: unknown; path: string; depth: number }> = [
    { value: body, path: '', depth: 0 },
  ];
  while (pending.length) {
    const { value, path, depth } = pending.pop()!;
    if (typeof value === 'string') {
      if (value.includes('\u0000'))
        return { field: path || 'body', message: 'must not contain NUL characters' };
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    if (depth >= MAX_JSON_DEPTH)
      return { field: path || 'body', message: `is nested more than ${MAX_JSON_DEPTH} levels deep` };
    for (const [key, child] of Object.entries(value)) {
      const childPath = path ? `${path}.${key}` : key;
      if (key.includes('\u0000')) return { field: path || 'body', message: 'has a key with a NUL character' };
      pending.push({ value: child, path: childPath, depth: depth + 1 });
    }
  }
  return undefined;
}
