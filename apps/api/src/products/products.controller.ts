import type { Principal } from '@app/auth';
import { decodeCursor } from '@app/database';
import { InventoryService, RestockService } from '@app/inventory';
import { AuditLog, setHandlerOutcome } from '@app/observability';
import { Body, Controller, Get, Headers, HttpCode, Inject, Param, Post, Query, Res } from '@nestjs/common';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Caller, OperatorRoute } from '../auth/auth.decorators';
import { parseIdempotencyKey, SKU_PATTERN, skuPipe } from '../http/request-parsing';
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
  @ApiOperation({ summary: 'List the catalog with stock, ordered by SKU' })
  @ApiOkResponse({ type: ProductPageResponse })
  async list(@Query() query: ListProductsQueryDto): Promise<ProductPageResponse> {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const after = query.cursor ? decodeCursor(query.cursor, 1)[0] : undefined;
    const page = await this.inventory.listProducts(limit, after);
    return { items: page.items.map(toProductResponse), nextCursor: page.nextCursor };
  }

  @Get(':sku')
  @ApiOperation({ summary: 'Read one product and its stock' })
  @SkuParam()
  @ApiOkResponse({ type: ProductResponse })
  async get(@Param('sku', skuPipe) sku: string): Promise<ProductResponse> {
    return toProductResponse(await this.inventory.getProduct(sku));
  }

  @Post(':sku/restock')
  @HttpCode(200)
  @OperatorRoute()
  @ApiOperation({ summary: 'Add stock to a product (operators: orders:admin scope)' })
  @SkuParam()
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description:
      'Repeats of the same restock with the same key (per operator) get the first answer and add no stock ' +
      '(`Idempotent-Replayed: true`); the key with another SKU or quantity is 422 IDEMPOTENCY_KEY_REUSED. ' +
      'A key is remembered for RESTOCK_IDEMPOTENCY_TTL_SECONDS (30 days by default). Without it every ' +
      'request restocks.',
  })
  @ApiOkResponse({ type: ProductResponse })
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
