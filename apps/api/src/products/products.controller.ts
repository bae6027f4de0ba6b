import type { Principal } from '@app/auth';
import { decodeCursor } from '@app/database';
import { InventoryService, RestockService } from '@app/inventory';
import { AuditLog, setHandlerOutcome } from '@app/observability';
import { Body, Controller, Get, Headers, HttpCode, Inject, Param, Post, Query, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Caller, OperatorRoute } from '../auth/auth.decorators';
import { parseIdempotencyKey, SKU_PATTERN, skuPipe } from '../http/request-parsing';
import { JSON_BODY_PROBLEMS, ProblemResponses, unavailable } from '../openapi/problem-responses.decorator';
import { IdempotencyKeyHeader } from '../openapi/request-headers';
import { headerRefs } from '../openapi/response-headers';
import {
  ListProductsQueryDto,
  ProductPageResponse,
  ProductResponse,
  toProductResponse,
} from './dto/product.response';
import { RestockDto } from './dto/restock.dto';
import {
  RESTOCK_IDEMPOTENCY_SETTINGS,
  type RestockIdempotencySettings,
} from './restock-idempotency.settings';

const DEFAULT_PAGE_SIZE = 50;

const SkuParam = () => ApiParam({ name: 'sku', schema: { type: 'string', pattern: SKU_PATTERN.source } });
const INVALID_SKU = {
  status: 400,
  description: 'The SKU is not one a product can have (VALIDATION_FAILED)',
} as const;
const NO_SUCH_PRODUCT = { status: 404, description: 'No such product (PRODUCT_NOT_FOUND)' } as const;

@ApiTags('products')
@Controller('products')
export class ProductsController {
  constructor(
    private readonly inventory: InventoryService,
    private readonly restocks: RestockService,
    private readonly audit: AuditLog,
    @Inject(RESTOCK_IDEMPOTENCY_SETTINGS) private readonly idempotency: RestockIdempotencySettings,
  ) {}

  @Get()
  @ApiOperation({ operationId: 'listProducts', summary: 'List the catalog with stock, ordered by SKU' })
  @ApiOkResponse({
    type: ProductPageResponse,
    description: 'A page of products; `nextCursor` fetches the next',
  })
  @ProblemResponses(
    {
      status: 400,
      description:
        'The limit is not valid (VALIDATION_FAILED), or the cursor is not one this list handed out ' +
        '(INVALID_CURSOR); `errors` names it',
    },
    unavailable(['database']),
  )
  async list(@Query() query: ListProductsQueryDto): Promise<ProductPageResponse> {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const after = query.cursor ? decodeCursor(query.cursor, 1)[0] : undefined;
    const page = await this.inventory.listProducts(limit, after);
    return { items: page.items.map(toProductResponse), nextCursor: page.nextCursor };
  }

  @Get(':sku')
  @ApiOperation({ operationId: 'getProduct', summary: 'Read one product and its stock' })
  @SkuParam()
  @ApiOkResponse({ type: ProductResponse, description: 'The product and its stock' })
  @ProblemResponses(INVALID_SKU, NO_SUCH_PRODUCT, unavailable(['database']))
  async get(@Param('sku', skuPipe) sku: string): Promise<ProductResponse> {
    return toProductResponse(await this.inventory.getProduct(sku));
  }

  @Post(':sku/restock')
  @HttpCode(200)
  @OperatorRoute()
  @ApiOperation({
    operationId: 'restockProduct',
    summary: 'Add stock to a product (operators: orders:admin scope)',
  })
  @SkuParam()
  @IdempotencyKeyHeader(
    'Repeats of the same restock with the same key (per operator) get the first answer and add no stock ' +
      '(`Idempotent-Replayed: true`); the key with another SKU or quantity is 422 IDEMPOTENCY_KEY_REUSED. ' +
      'A key is remembered for RESTOCK_IDEMPOTENCY_TTL_SECONDS (30 days by default). Without it every ' +
      'request restocks.',
  )
  @ApiOkResponse({
    type: ProductResponse,
    description: 'The product with its new stock; an audit event names the operator',
    headers: headerRefs('Idempotent-Replayed'),
  })
  @ProblemResponses(
    {
      status: 400,
      description:
        'The SKU, the quantity or the Idempotency-Key is not valid (VALIDATION_FAILED; `errors` names it), ' +
        'or the body is not readable JSON (BAD_REQUEST)',
    },
    NO_SUCH_PRODUCT,
    ...JSON_BODY_PROBLEMS,
    {
      status: 422,
      description:
        'Refused: the stock would exceed its limit (STOCK_LIMIT_EXCEEDED), or the Idempotency-Key was ' +
        'used with another SKU or quantity (IDEMPOTENCY_KEY_REUSED); `errors` names the field',
    },
    unavailable(['database', 'token issuer']),
  )
  async restock(
    @Caller() operator: Principal,
    @Param('sku', skuPipe) sku: string,
    @Body() body: RestockDto,
    @Headers('idempotency-key') idempotencyKeyHeader: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ProductResponse> {
    const key = parseIdempotencyKey(idempotencyKeyHeader);
    const { product, replayed } = await this.restocks.restock(
      sku,
      body.quantity,
      key === undefined
        ? undefined
        : { operatorId: operator.subject, key, ttlSeconds: this.idempotency.ttlSeconds },
    );
    if (replayed) {
      // The first request's answer again; its audit event already tells of the restock.
      void reply.header('idempotent-replayed', 'true');
      setHandlerOutcome(reply.request, 'IDEMPOTENT_REPLAY');
      return toProductResponse(product);
    }
    this.audit.record('product-restocked', {
      'user.id': operator.subject,
      'product.sku': sku,
      'inventory.quantity_added': body.quantity,
      'inventory.stock': product.stock,
    });
    return toProductResponse(product);
  }
}
