import type { Principal } from '@app/auth';
import { LogContext } from '@app/observability';
import {
  OrderAdministration,
  type OperatorOrderView,
  type OrderSummaryView,
  type OrderView,
  type ResumeOutcome,
  type StuckOrder,
} from '@app/orders';
import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { Caller, OperatorRoute } from '../auth/auth.decorators';
import { ApiError } from '../http/api-error';
import { orderIdPipe } from '../http/request-parsing';
import { JSON_BODY_PROBLEMS, ProblemResponses, unavailable } from '../openapi/problem-responses.decorator';
import { CancelOrderDto } from './dto/admin-cancel-order.dto';
import {
  DEFAULT_STUCK_AGE,
  durationSeconds,
  parseDateTime,
  SearchOrdersQueryDto,
  StuckOrdersQueryDto,
} from './dto/admin-order.query';
import {
  OperatorOrderResponse,
  ResumeOrderResponse,
  StuckOrderListResponse,
} from './dto/admin-order.response';
import { OrderPageResponse, OrderResponse } from './dto/order.response';

const DEFAULT_PAGE_SIZE = 20;
const DEFAULT_STUCK_LIMIT = 100;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const OrderIdParam = () => ApiParam({ name: 'id', schema: { type: 'string', format: 'uuid' } });
const INVALID_ID = { status: 400, description: 'The id is not a UUID (VALIDATION_FAILED)' } as const;
const NO_SUCH_ORDER = { status: 404, description: 'No such order (ORDER_NOT_FOUND)' } as const;

/**
 * The order a request is about on the request log and the handler's span, as on the customer routes; not
 * the customer (the caller is an operator), and nothing that is not an order id.
 */
const OrderIdLogContext = LogContext({
  fromRequest: (request) => ({
    'order.id': UUID.test(request.params.id ?? '') ? request.params.id : undefined,
  }),
});

/**
 * Operators' view of every customer's orders: search them, read one with its saga, cancel one for the
 * customer, list the orders that stopped moving and drive them again. Reading an order and every action
 * on one is an audit event naming the operator (the token's `sub`), recorded by OrderAdministration.
 */
@ApiTags('admin')
@OperatorRoute()
@Controller('admin/orders')
export class AdminOrdersController {
  constructor(private readonly administration: OrderAdministration) {}

  @Get()
  @ApiOperation({
    operationId: 'searchOrders',
    summary: "Search any customer's orders, newest first (keyset pagination); no shipping addresses",
  })
  @ApiOkResponse({
    type: OrderPageResponse,
    description: 'A page of matching orders; `nextCursor` fetches the next',
  })
  @ProblemResponses(
    {
      status: 400,
      description:
        'A filter or the limit is not valid, or createdFrom is after createdTo (VALIDATION_FAILED), or the ' +
        'cursor is not one this search handed out (INVALID_CURSOR); `errors` names it',
    },
    unavailable(['database', 'token issuer']),
  )
  async search(
    @Query() query: SearchOrdersQueryDto,
  ): Promise<{ items: OrderSummaryView[]; nextCursor: string | null }> {
    const page = await this.administration.search({
      statuses: query.status,
      customerId: query.customerId,
      createdFrom: parseDateTime(query.createdFrom),
      createdTo: parseDateTime(query.createdTo),
      failureReason: query.failureReason,
      sku: query.sku,
      limit: query.limit ?? DEFAULT_PAGE_SIZE,
      cursor: query.cursor,
    });
    return { items: page.items, nextCursor: page.nextCursor };
  }

  @Get('stuck')
  @ApiOperation({
    operationId: 'listStuckOrders',
    summary:
      'Unfinished orders whose state has not changed for olderThan (default PT15M), least recently changed first, with the step they wait in',
  })
  @ApiOkResponse({
    type: StuckOrderListResponse,
    description: 'The stuck orders, least recently changed first',
  })
  @ProblemResponses(
    { status: 400, description: 'olderThan or limit is not valid (VALIDATION_FAILED; `errors` names it)' },
    unavailable(['database', 'token issuer']),
  )
  async stuck(@Query() query: StuckOrdersQueryDto): Promise<{ items: StuckOrder[] }> {
    const age = durationSeconds(query.olderThan ?? DEFAULT_STUCK_AGE);
    if ('problem' in age)
      throw new ApiError(400, 'VALIDATION_FAILED', 'The request is not valid', [
        { field: 'olderThan', message: age.problem },
      ]);
    return { items: await this.administration.stuck(age.seconds, query.limit ?? DEFAULT_STUCK_LIMIT) };
  }

  @Get(':id')
  @OrderIdLogContext
  @ApiOperation({
    operationId: 'getOrderForOperator',
    summary:
      "Read any customer's order with its saga: step log (attempts, outcome, timing), trace id, where the saga runs",
  })
  @OrderIdParam()
  @ApiOkResponse({
    type: OperatorOrderResponse,
    description: "The customer's view with the saga's steps, trace and workflow; the read is an audit event",
  })
  @ProblemResponses(INVALID_ID, NO_SUCH_ORDER, unavailable(['database', 'token issuer']))
  details(@Caller() operator: Principal, @Param('id', orderIdPipe) id: string): Promise<OperatorOrderView> {
    return this.administration.details(id, operator.subject);
  }

  @Post(':id/cancel')
  @HttpCode(202)
  @OrderIdLogContext
  @ApiOperation({
    operationId: 'cancelOrderAsOperator',
    summary:
      "Cancel a customer's order that has not started shipping, for the customer: payment refunded, stock released",
  })
  @OrderIdParam()
  @ApiAcceptedResponse({
    type: OrderResponse,
    description: 'Cancellation requested, also for an order already `CANCELLED`; an audit event',
  })
  @ProblemResponses(
    {
      status: 400,
      description:
        'The id is not a UUID, or the reason is missing, blank or longer than 500 characters ' +
        '(VALIDATION_FAILED), or the body is not readable JSON (BAD_REQUEST)',
    },
    NO_SUCH_ORDER,
    { status: 409, description: 'Shipping has started or the order has finished (ORDER_NOT_CANCELLABLE)' },
    ...JSON_BODY_PROBLEMS,
    unavailable(['database', 'token issuer', 'workflow engine']),
  )
  cancel(
    @Caller() operator: Principal,
    @Param('id', orderIdPipe) id: string,
    @Body() body: CancelOrderDto,
  ): Promise<OrderView> {
    return this.administration.cancel(id, operator.subject, body.reason);
  }

  @Post(':id/resume')
  @HttpCode(202)
  @OrderIdLogContext
  @ApiOperation({
    operationId: 'resumeOrder',
    summary:
      'Drive an unfinished order again from its recorded state (completed steps are not repeated); a saga still running is left to run',
  })
  @OrderIdParam()
  @ApiAcceptedResponse({
    type: ResumeOrderResponse,
    description: '`started` again, or `already-running` and left alone; an audit event',
  })
  @ProblemResponses(
    INVALID_ID,
    NO_SUCH_ORDER,
    {
      status: 409,
      description: 'The order is COMPLETED, FAILED or CANCELLED: nothing to resume (ORDER_ALREADY_FINISHED)',
    },
    unavailable(
      ['database', 'token issuer', 'workflow engine'],
      'nothing changed: retry after `Retry-After` seconds',
    ),
  )
  resume(
    @Caller() operator: Principal,
    @Param('id', orderIdPipe) id: string,
  ): Promise<{ outcome: ResumeOutcome; order: OrderView }> {
    return this.administration.resume(id, operator.subject);
  }
}
