/** Outcomes a handler named for its request (a success worth telling apart, e.g. an idempotent replay). */
const named = new WeakMap<object, string>();

/** The outcome of a handler that returned normally, when nothing more specific was named. */
export const HANDLER_OK = 'OK';

/**
 * Names the domain outcome of a request whose handler succeeds in more than one way
 * (`IDEMPOTENT_REPLAY` beside `OK`): `http_handler_outcomes_total{outcome}` reports it. Pass the request
 * object the framework gives the handler (Fastify's `reply.request` or Express's `req`).
 */
export function setHandlerOutcome(request: object, outcome: string): void {
  named.set(request, outcome);
}

export function namedOutcomeOf(request: object): string {
  return named.get(request) ?? HANDLER_OK;
}
