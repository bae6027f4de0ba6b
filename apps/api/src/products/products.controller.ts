import type { Principal } from '@app/auth';
import { decodeCursor, encodeCursor } from '@app/database';
import { InventoryService } from '@app/inventory';
import { AuditLog } from '@app/observability';
import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Caller, OperatorRoute } from '../auth/auth.decorators';
import {
  ListProductsQueryDto,
  ProductPageResponse,
  ProductResponse,
  toProductResponse,
} from './dto/product.response';
import { RestockDto } from './dto/restock.dto';

const DEFAULT_PAGE_SIZE = 50;

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
    const rows = await this.inventory.listProducts(limit + 1, after);
    const page = rows.slice(0, limit);
    return {
      items: page.map(toProductResponse),
      nextCursor: rows.length > limit ? encodeCursor([page[page.length - 1].sku]) : null,
    };
  }

  @Get(':sku')
  @ApiOperation({ summary: 'Read one product and its stock' })
  @ApiOkResponse({ type: ProductResponse })
  async get(@Param('sku') sku: string): Promise<ProductResponse> {
    return toProductResponse(await this.inventory.getProduct(sku));
  }

  @Post(':sku/restock')
  @HttpCode(200)
  @OperatorRoute()
  @ApiOperation({ summary: 'Add stock to a product (operators: orders:admin scope)' })
  @ApiOkResponse({ type: ProductResponse })
  async restock(
    @Caller() operator: Principal,
    @Param('sku') sku: string,
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
