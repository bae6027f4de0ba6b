import { LogContext } from '@app/observability';
import { principalOf } from '../auth/request-authenticator';

/** The caller: set by the bearer guard, which runs before the log context is taken. */
const customer = (request: object) => ({ 'customer.id': principalOf(request)?.subject });

/** Log context of the order routes: every later line of the request names the customer and the order. */
export const OrderLogContext = {
  placed: LogContext({
    fromRequest: customer,
    fromResult: (result) => ({ 'order.id': (result as { id?: unknown } | undefined)?.id }),
  }),
  byId: LogContext({ fromRequest: (request) => ({ ...customer(request), 'order.id': request.params.id }) }),
  list: LogContext({ fromRequest: customer }),
};
