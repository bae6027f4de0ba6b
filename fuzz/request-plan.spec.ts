import { validateHeaderName, validateHeaderValue } from 'node:http';
import type { FuzzCredentials } from './fuzz-credentials';
import { OFF_DOCUMENT, toWireRequest, type FuzzRequest } from './fuzz-request';
import { SAMPLE_DOCUMENT } from './openapi-document.fixture';
import { operationsOf } from './openapi-document';
import type { GenerationContext } from './generation/dimension';
import { planFingerprint, planRequests } from './request-plan';

const operations = operationsOf(SAMPLE_DOCUMENT);
const context: GenerationContext = {
  pools: new Map([
    ['things.id', ['5b8f3c0e-8d0a-4d8e-9c55-2f3f4f5a6b7c', '0f1e2d3c-4b5a-4687-9a8b-7c6d5e4f3a2b']],
  ]),
  fieldValues: new Map(),
  valueCaps: { delayMs: 20 },
  extraFields: ['customerId'],
  extraQueryParameters: ['customerId'],
  oversizedBodyBytes: 2048,
};
const credentials: FuzzCredentials = { customers: ['c-1', 'c-2'], token: (kind) => `token-${kind}` };

describe('planRequests', () => {
  const plan = planRequests(operations, context, 42, 400);

  it('plans the same requests for the same seed, and others for another', () => {
    const again = planRequests(operations, context, 42, 400);
    expect(planFingerprint(again)).toBe(planFingerprint(plan));
    expect(again).toEqual(plan);
    expect(planFingerprint(planRequests(operations, context, 43, 400))).not.toBe(planFingerprint(plan));
  });

  it('spreads the requests evenly over every operation, with a few outside the document', () => {
    const counts = new Map<string, number>();
    for (const request of plan) counts.set(request.operation, (counts.get(request.operation) ?? 0) + 1);
    expect(plan).toHaveLength(400);
    expect(counts.get(OFF_DOCUMENT)).toBe(12);
    for (const operation of operations) expect(counts.get(operation.key)).toBe(97);
    expect(planRequests(operations, context, 42, 4).map((r) => r.operation)).toEqual(
      operations.map((o) => o.key),
    );
  });

  it('sends a quarter or more entirely valid, and every kind of breakage', () => {
    const valid = (r: FuzzRequest) =>
      r.families.every((f) =>
        /^(auth:(customer|other-customer|operator|none)|path:(real|schema-valid)|query:valid|header:(valid|repeated-value)|body:(from-examples|schema-valid))$/.test(
          f,
        ),
      );
    expect(plan.filter(valid).length).toBeGreaterThan(plan.length / 4);
    const families = new Set(plan.flatMap((r) => r.families.map((f) => f.split(':')[0])));
    expect(families).toEqual(new Set(['auth', 'path', 'query', 'header', 'body', 'route']));
  });

  it('names real ids and tokens instead of spelling them out', () => {
    expect(plan.some((r) => r.path.some((p) => 'pool' in p))).toBe(true);
    expect(JSON.stringify(plan)).not.toContain('5b8f3c0e-8d0a-4d8e-9c55-2f3f4f5a6b7c');
  });

  it('only plans requests an HTTP/1.1 client can send', () => {
    for (const request of planRequests(operations, context, 7, 2_000)) {
      const wire = toWireRequest(request, credentials, context.pools);
      expect(wire.target).toMatch(/^\/[\x21-\xff]*$/);
      for (const [name, value] of Object.entries(wire.headers)) {
        validateHeaderName(name);
        for (const v of Array.isArray(value) ? value : [value]) validateHeaderValue(name, v);
      }
    }
  });
});
