import type { Principal } from '@app/auth';
import { ProductNotFoundError } from '@app/inventory';
import { setHandlerOutcome } from '@app/observability';
import { OrdersService, type OrderSummaryView, type OrderView } from '@app/orders';
import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Caller, CustomerRoute } from '../auth/auth.decorators';
import { OrderPlacementAllowance } from '../auth/order-placement-allowance';
import { ApiError } from '../http/api-error';
import { orderIdPipe, parseIdempotencyKey } from '../http/request-parsing';
import { JSON_BODY_PROBLEMS, ProblemResponses, unavailable } from '../openapi/problem-responses.decorator';
import { IdempotencyKeyHeader } from '../openapi/request-headers';
import { headerRefs } from '../openapi/response-headers';
import { ListOrdersQueryDto } from './dto/list-orders.query';
import { OrderPageResponse, OrderResponse } from './dto/order.response';
import { PlaceOrderDto } from './dto/place-order.dto';
import { OrderLogContext } from './order-log-context';

const DEFAULT_PAGE_SIZE = 20;

const OrderIdParam = () => ApiParam({ name: 'id', schema: { type: 'string', format: 'uuid' } });
const INVALID_ID = { status: 400, description: 'The id is not a UUID (VALIDATION_FAILED)' } as const;
const NO_SUCH_ORDER = {
  status: 404,
  description: "No such order of yours (ORDER_NOT_FOUND): another customer's orders answer the same",
} as const;

/** A customer's own orders: the customer is the bearer token's `sub`, never a body or query field. */
@ApiTags('orders')
@CustomerRoute()
@Controller('orders')
export class OrdersController {
  constructor(
    private readonly orders: OrdersService,
    private readonly placementAllowance: OrderPlacementAllowance,
  ) {}

  @Post()
  @HttpCode(202)
  @OrderLogContext.placed
  @ApiOperation({
    operationId: 'placeOrder',
    summary: 'Place an order; it is processed asynchronously by the order saga',
    description:
      'The customer is the token’s `sub`. Prices and the total are computed by the server; the card is ' +
      'tokenized, never stored. Limited per customer while ORDER_RATE_LIMIT_PER_MINUTE is set: every ' +
      'answer that counted carries `RateLimit-Policy` and `RateLimit`.',
  })
  @IdempotencyKeyHeader(
    'Makes retries safe: a repeat with the same key (per customer) and the same body answers the order the ' +
      'first request placed (`Idempotent-Replayed: true`) instead of placing another; with another body it ' +
      'is refused (422 IDEMPOTENCY_KEY_REUSED)',
  )
  @ApiAcceptedResponse({
    type: OrderResponse,
    description: 'Accepted (`PENDING`); `Location` points at the order, whose status then moves on',
    headers: headerRefs('Location', 'Idempotent-Replayed', 'RateLimit-Policy', 'RateLimit'),
  })
  @ProblemResponses(
    {
      status: 400,
      description:
        'The body or the Idempotency-Key is not valid (VALIDATION_FAILED; `errors` names each field), or ' +
        'the body is not readable JSON (BAD_REQUEST)',
    },
    ...JSON_BODY_PROBLEMS,
    {
      status: 422,
      description:
        'Refused: a SKU the catalog does not have (UNKNOWN_SKU), lines in several currencies ' +
        '(MIXED_CURRENCIES), or the Idempotency-Key of another request (IDEMPOTENCY_KEY_REUSED)',
      headers: ['RateLimit-Policy', 'RateLimit'],
    },
    {
      status: 429,
      description:
        'Too many orders from this customer in this window (RATE_LIMITED; ORDER_RATE_LIMIT_PER_MINUTE): ' +
        '`Retry-After` and `RateLimit` say when the window resets',
      headers: ['RateLimit-Policy', 'RateLimit'],
    },
    unavailable(
      ['database', 'token issuer', 'workflow engine'],
      'retry after `Retry-After` seconds with the same Idempotency-Key',
    ),
  )
  async place(
    @Caller() caller: Principal,
    @Body() body: PlaceOrderDto,
    @Headers('idempotency-key') idempotencyKeyHeader: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<OrderView> {
    const idempotencyKey = parseIdempotencyKey(idempotencyKeyHeader);
    // Only now, the request being valid: a refused one spends nothing of the customer's allowance.
    await this.placementAllowance.spend(caller, reply);
    try {
      const { order, replayed } = await this.orders.placeOrder({
        ...body,
        customerId: caller.subject,
        idempotencyKey,
      });
      void reply.header('location', `/orders/${order.id}`);
      if (replayed) {
        void reply.header('idempotent-replayed', 'true');
        setHandlerOutcome(reply.request, 'IDEMPOTENT_REPLAY');
      }
      return order;
    } catch (error) {
      if (error instanceof ProductNotFoundError) {
        throw new ApiError(
          422,
          'UNKNOWN_SKU',
          error.message,
          body.items.flatMap((item, i) =>
            error.skus.includes(item.sku)
              ? [{ field: `items.${i}.sku`, message: `unknown sku ${item.sku}` }]
              : [],
          ),
        );
      }
      throw error;
    }
  }

  @Get()
  @OrderLogContext.list
  @ApiOperation({ operationId: 'listOrders', summary: 'List your orders, newest first (keyset pagination)' })
  @ApiOkResponse({
    type: OrderPageResponse,
    description: 'A page of your orders; `nextCursor` fetches the next',
  })
  @ProblemResponses(
    {
      status: 400,
      description:
        'A filter or the limit is not valid (VALIDATION_FAILED), or the cursor is not one this list handed ' +
        'out (INVALID_CURSOR); `errors` names it',
    },
    unavailable(['database', 'token issuer']),
  )
  async list(
    @Caller() caller: Principal,
    @Query() query: ListOrdersQueryDto,
  ): Promise<{ items: OrderSummaryView[]; nextCursor: string | null }> {
    return this.orders.listOrders({
      ...query,
      customerId: caller.subject,
      limit: query.limit ?? DEFAULT_PAGE_SIZE,
    });
  }

  @Get(':id')
  @OrderLogContext.byId
  @ApiOperation({
    operationId: 'getOrder',
    summary: 'Read one of your orders: status, lines, total, payment summary, shipment, history',
  })
  @OrderIdParam()
  @ApiOkResponse({ type: OrderResponse, description: 'The order as it stands' })
  @ProblemResponses(INVALID_ID, NO_SUCH_ORDER, unavailable(['database', 'token issuer']))
  async get(@Caller() caller: Principal, @Param('id', orderIdPipe) id: string): Promise<OrderView> {
    return this.orders.getOrder(caller.subject, id);
  }

  @Post(':id/cancel')
  @HttpCode(202)
  @OrderLogContext.byId
  @ApiOperation({
    operationId: 'cancelOrder',
    summary:
      'Cancel one of your orders that has not started shipping; payment is refunded and stock released',
  })
  @OrderIdParam()
  @ApiAcceptedResponse({
    type: OrderResponse,
    description:
      'Cancellation requested (`cancellationRequested: true`), also for an order already `CANCELLED`: the ' +
      'saga refunds, restocks and ends it `CANCELLED`',
  })
  @ProblemResponses(
    INVALID_ID,
    NO_SUCH_ORDER,
    {
      status: 409,
      description: 'Shipping has started or the order has finished (ORDER_NOT_CANCELLABLE)',
    },
    unavailable(['database', 'token issuer', 'workflow engine']),
  )
  async cancel(@Caller() caller: Principal, @Param('id', orderIdPipe) id: string): Promise<OrderView> {
    return this.orders.requestCancellation(caller.subject, id);
  }
}
