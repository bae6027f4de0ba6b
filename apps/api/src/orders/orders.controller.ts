import type { Principal } from '@app/auth';
import { ProductNotFoundError } from '@app/inventory';
import { setHandlerOutcome } from '@app/observability';
import { OrdersService, type OrderSummaryView, type OrderView } from '@app/orders';
import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
  ApiTooManyRequestsResponse,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Caller, CustomerRoute } from '../auth/auth.decorators';
import { OrderPlacementAllowance } from '../auth/order-placement-allowance';
import { ApiError } from '../http/api-error';
import { orderIdPipe, parseIdempotencyKey } from '../http/request-parsing';
import { ListOrdersQueryDto } from './dto/list-orders.query';
import { OrderPageResponse, OrderResponse } from './dto/order.response';
import { PlaceOrderDto } from './dto/place-order.dto';
import { OrderLogContext } from './order-log-context';

const DEFAULT_PAGE_SIZE = 20;

const OrderIdParam = () => ApiParam({ name: 'id', schema: { type: 'string', format: 'uuid' } });

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
  @ApiOperation({ summary: 'Place an order; it is processed asynchronously by the order saga' })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description: 'Repeats with the same key (per customer) return the original order',
  })
  @ApiAcceptedResponse({ type: OrderResponse, description: 'Accepted; Location points at the order' })
  @ApiTooManyRequestsResponse({
    description:
      'Too many orders from this customer in the last minute (ORDER_RATE_LIMIT_PER_MINUTE); see Retry-After',
  })
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
  @ApiOperation({ summary: 'List your orders, newest first (keyset pagination)' })
  @ApiOkResponse({ type: OrderPageResponse })
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
    summary: 'Read one of your orders: status, lines, total, payment summary, shipment, history',
  })
  @OrderIdParam()
  @ApiOkResponse({ type: OrderResponse })
  async get(@Caller() caller: Principal, @Param('id', orderIdPipe) id: string): Promise<OrderView> {
    return this.orders.getOrder(caller.subject, id);
  }

  @Post(':id/cancel')
  @HttpCode(202)
  @OrderLogContext.byId
  @ApiOperation({
    summary:
      'Cancel one of your orders that has not started shipping; payment is refunded and stock released',
  })
  @OrderIdParam()
  @ApiAcceptedResponse({ type: OrderResponse })
  async cancel(@Caller() caller: Principal, @Param('id', orderIdPipe) id: string): Promise<OrderView> {
    return this.orders.requestCancellation(caller.subject, id);
  }
}
