import { ProductEntity } from '@app/inventory';
import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Length, Max, Min } from 'class-validator';

export class ProductResponse {
  @ApiProperty({ example: 'SKU-001' }) sku!: string;
  @ApiProperty({ example: 'Espresso beans, 1 kg' }) name!: string;
  @ApiProperty({ example: 2490, description: 'minor units' }) unitPrice!: number;
  @ApiProperty({ example: 'EUR' }) currency!: string;
  @ApiProperty({ example: 500 }) stock!: number;
}

export class ProductPageResponse {
  @ApiProperty({ type: [ProductResponse] }) items!: ProductResponse[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}

export class ListProductsQueryDto {
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;

  @IsOptional()
  @IsString()
  @Length(1, 512)
  cursor?: string;
}

export function toProductResponse(product: ProductEntity): ProductResponse {
  return {
    sku: product.sku,
    name: product.name,
    unitPrice: product.unitPrice,
    currency: product.currency,
    stock: product.stock,
  };
}
