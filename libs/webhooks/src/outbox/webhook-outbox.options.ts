export const WEBHOOK_OUTBOX_OPTIONS = Symbol('WEBHOOK_OUTBOX_OPTIONS');

export interface WebhookOutboxOptions {
  /**
   * One SQL statement whose first column is an event's payload (the order's public view, JSON), for
   * `$1` = the order id; `$2` is passed as NULL (the order view query's customer filter). It runs inside
   * the transaction that writes the event, so the payload is the order exactly as that change left it.
   */
  payloadQuery: string;
}
