import type { Principal } from '@app/auth';
import { decodeCursor } from '@app/database';
import { InventoryService } from '@app/inventory';
import { AuditLog } from '@app/observability';
import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { Caller, OperatorRoute } from '../auth/auth.decorators';
import { SKU_PATTERN, skuPipe } from '../http/request-parsing';
import {
  ListProductsQueryDto,
  ProductPageResponse,
  ProductResponse,
  toProductResponse,
} from './dto/product.response';
import { RestockDto } from './dto/restock.dto';

const DEFAULT_PAGE_SIZE = 50;

const SkuParam = () => ApiParam({ name: 'sku', schema: { type: 'string', pattern: SKU_PATTERN.source } });

@ApiTags('products')
@Controller('products')
export class ProductsController {
  constructor(
    private readonly inventory: InventoryService,
    private readonly audit: AuditLog,
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
  @ApiOkResponse({ type: ProductResponse })
  async restock(
    @Caller() operator: Principal,
    @Param('sku', skuPipe) sku: string,
    @Body() body: RestockDto,
  ): Promise<ProductResponse> {
    const product = await this.inventory.restock(sku, body.quantity);
    this.audit.record('product-restocked', {
      'user.id': operator.subject,
      'product.sku': sku,
      'inventory.quantity_added': body.quantity,
      'inventory.stock': product.stock,
    });
    return toProductResponse(product);
  }
}
