/**
 * One statement: the event is written only when an enabled endpoint subscribes to its type, with one
 * pending delivery per such endpoint. `$1` order id, `$2` the payload (JSON), `$3` type, `$4` the trace carrier.
 */
export const ENQUEUE_EVENT_SQL = `
WITH subscribers AS (
  SELECT id FROM webhook_endpoints WHERE enabled AND $3 = ANY (event_types)
), event AS (
  INSERT INTO webhook_events (id, type, order_id, payload, trace_carrier)
  SELECT gen_random_uuid(), $3, $1, $2::jsonb, $4::jsonb
   WHERE EXISTS (SELECT 1 FROM subscribers)
  RETURNING seq, order_id
)
INSERT INTO webhook_deliveries (event_seq, endpoint_id, order_id)
SELECT event.seq, subscribers.id, event.order_id FROM event CROSS JOIN subscribers
RETURNING endpoint_id`;
