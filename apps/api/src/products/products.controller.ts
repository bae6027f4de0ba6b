import { decodeCursor, encodeCursor } from '@app/database';
import { InventoryService } from '@app/inventory';
import { Body, Controller, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  ListProductsQueryDto,
  ProductPageResponse,
  ProductResponse,
  toProductResponse,
} from './dto/product.response';
import { RestockDto } from './dto/restock.dto';
import { OperatorApiKeyGuard } from '../http/operator-api-key.guard';

const DEFAULT_PAGE_SIZE = 50;

@ApiTags('products')
@Controller('products')
export class ProductsController {
  constructor(private readonly inventory: InventoryService) {}

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
  @UseGuards(OperatorApiKeyGuard)
  @ApiHeader({ name: 'X-Api-Key', required: true, description: 'Operator API key' })
  @ApiOperation({ summary: 'Add stock to a product (operators)' })
  @ApiOkResponse({ type: ProductResponse })
  async restock(@Param('sku') sku: string, @Body() body: RestockDto): Promise<ProductResponse> {
    return toProductResponse(await this.inventory.restock(sku, body.quantity));
  }
}
