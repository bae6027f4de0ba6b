import { OPERATOR_SCOPE } from '@app/auth';

/** What the generic, document-driven fuzzer is told about one API. */
export interface FuzzProfile {
  /** Where the API serves its OpenAPI document (JSON). */
  documentPath: string;
  /** Two customers: the seeded objects belong to them, and requests go out as either. */
  customers: readonly [string, string];
  /** The operator's `sub` and scopes (routes documenting a 403 need them). */
  operator: { subject: string; scopes: readonly string[] };
  /** Objects each customer creates (with the document's examples) before the campaign. */
  seedPerCustomer: number;
  /** Upper bounds for valid values of numeric fields by name (see ValueContext.valueCaps). */
  valueCaps: Readonly<Record<string, number>>;
  /** Body fields a client might slip in; the API must refuse them as unknown. */
  extraFields: readonly string[];
  /** Query parameters a client might slip in. */
  extraQueryParameters: readonly string[];
  /** Bodies of this size are sent to provoke a 413 (just over the API's body limit). */
  oversizedBodyBytes: number;
  /** Requests sent as the operator once the campaign is over, to undo what it switched on. */
  cleanup: ReadonlyArray<{ method: string; path: string }>;
  /** Environment of an API started for a campaign (`npm run fuzz` without --url, the e2e spec). */
  freshApiEnv: Readonly<Record<string, string>>;
}

export const ORDERS_API_PROFILE: FuzzProfile = {
  documentPath: '/docs/openapi.json',
  customers: ['c-fuzz-1', 'c-fuzz-2'],
  operator: { subject: 'ops-fuzz', scopes: [OPERATOR_SCOPE] },
  seedPerCustomer: 6,
  // Fault injection accepts up to a minute of latency per call: valid, and every later request would
  // wait for it. Out-of-range values are still sent as invalid ones.
  valueCaps: { latencyMs: 20 },
  extraFields: ['customerId', 'id', 'status', 'total', 'unitPrice', 'currency', 'isAdmin'],
  extraQueryParameters: ['customerId', 'offset', 'sort', 'include', 'debug'],
  oversizedBodyBytes: 1024 * 1024 + 4096,
  cleanup: [{ method: 'DELETE', path: '/admin/faults' }],
  freshApiEnv: {
    // Valid orders should reach the saga rather than the per-customer limit (a 429 is still judged).
    ORDER_RATE_LIMIT_PER_MINUTE: '1000000',
    // Slow payments keep the seeded orders cancellable for the first seconds: cancellations get a 202
    // as well as the 409 of a shipped order (until a valid fault override sets another latency).
    PAYMENT_SIM_LATENCY_MS: '3000',
  },
};
