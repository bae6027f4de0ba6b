import { createHash } from 'node:crypto';
import fc from 'fast-check';
import type { FuzzRequest } from './fuzz-request';
import type { Operation } from './openapi-document';
import type { GenerationContext } from './generation/dimension';
import { offDocumentArbitrary, requestArbitrary } from './generation/request.arbitrary';

/** Share of the requests that go outside the document (unknown routes, undocumented methods). */
const OFF_DOCUMENT_SHARE = 0.03;

/**
 * `runs` requests for a seed, spread evenly over the operations (each at least once when `runs`
 * allows) and interleaved. Each operation draws from its own seed, derived from `seed` and its name,
 * so the same seed gives the same requests, and adding a route to the document leaves the others'
 * requests as they were.
 */
export function planRequests(
  operations: readonly Operation[],
  context: GenerationContext,
  seed: number,
  runs: number,
): FuzzRequest[] {
  const offDocument = Math.min(Math.round(runs * OFF_DOCUMENT_SHARE), Math.max(0, runs - operations.length));
  const documented = runs - offDocument;
  const streams = operations.map((operation, i) => {
    const count = Math.floor(documented / operations.length) + (i < documented % operations.length ? 1 : 0);
    return sample(requestArbitrary(operation, context), seedFor(seed, operation.key), count);
  });
  streams.push(sample(offDocumentArbitrary(operations, context), seedFor(seed, 'off-document'), offDocument));
  const plan: FuzzRequest[] = [];
  for (let round = 0; plan.length < runs; round += 1)
    for (const stream of streams) if (round < stream.length) plan.push(stream[round]);
  return plan;
}

/** A short digest of a plan: equal for equal seeds, runs and document (real ids are named, not spelled). */
export function planFingerprint(plan: readonly FuzzRequest[]): string {
  const hash = createHash('sha256');
  for (const request of plan) hash.update(JSON.stringify(request));
  return hash.digest('hex').slice(0, 12);
}

function sample<T>(arbitrary: fc.Arbitrary<T>, seed: number, numRuns: number): T[] {
  return numRuns > 0 ? fc.sample(arbitrary, { seed, numRuns }) : [];
}

function seedFor(seed: number, name: string): number {
  return createHash('sha256').update(`${seed}:${name}`).digest().readInt32LE(0);
}
