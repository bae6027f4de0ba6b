import { LogContext } from '@app/observability';

/** The order a response is about, and its customer. */
const fromOrder = (result: unknown) => {
  const order = result as { id?: unknown; customerId?: unknown } | undefined;
  return { 'order.id': order?.id, 'customer.id': order?.customerId };
};

/** Log context of the order routes: every later line of the request names the order and customer. */
export const OrderLogContext = {
  placed: LogContext({
    fromRequest: (request) => ({ 'customer.id': (request.body as { customerId?: unknown })?.customerId }),
    fromResult: fromOrder,
  }),
  byId: LogContext({ fromRequest: (request) => ({ 'order.id': request.params.id }), fromResult: fromOrder }),
  list: LogContext({ fromRequest: (request) => ({ 'customer.id': request.query.customerId }) }),
};
