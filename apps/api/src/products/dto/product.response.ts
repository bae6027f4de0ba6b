import type { CatalogProduct } from '@app/inventory';
import { ApiProperty } from '@nestjs/swagger';
import { PageQueryDto } from '../../http/page.query';

export class ProductResponse {
  @ApiProperty({ example: 'SKU-001' }) sku!: string;
  @ApiProperty({ example: 'Espresso beans, 1 kg' }) name!: string;
  @ApiProperty({ type: 'integer', example: 2490, description: 'minor units' }) unitPrice!: number;
  @ApiProperty({ example: 'EUR' }) currency!: string;
  @ApiProperty({ type: 'integer', minimum: 0, example: 500 }) stock!: number;
}

export class ProductPageResponse {
  @ApiProperty({ type: [ProductResponse] }) items!: ProductResponse[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}

export class ListProductsQueryDto extends PageQueryDto {}

export function toProductResponse(product: CatalogProduct): ProductResponse {
  return {
    sku: product.sku,
    name: product.name,
    unitPrice: product.unitPrice,
    currency: product.currency,
    stock: product.stock,
  };
}
