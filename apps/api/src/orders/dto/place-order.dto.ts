import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsCreditCard,
  IsIn,
  IsInt,
  IsISO31661Alpha2,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  Min,
  Validate,
  ValidateNested,
} from 'class-validator';
import { CardNotExpired } from './card-not-expired.validator';

export const MAX_LINES = 50;
export const MAX_QUANTITY = 1000;
export const SKU_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export class OrderItemDto {
  @ApiProperty({ example: 'SKU-001', pattern: SKU_PATTERN.source })
  @IsString()
  @Matches(SKU_PATTERN, { message: 'sku must be 1-64 letters, digits, dots, dashes or underscores' })
  sku!: string;

  @ApiProperty({ example: 2, minimum: 1, maximum: MAX_QUANTITY })
  @IsInt()
  @Min(1)
  @Max(MAX_QUANTITY)
  quantity!: number;
}

export class ShippingAddressDto {
  @ApiProperty({ example: 'Ada Lovelace' })
  @IsString()
  @Length(1, 200)
  name!: string;

  @ApiProperty({ example: '1 Main St' })
  @IsString()
  @Length(1, 200)
  line1!: string;

  @ApiPropertyOptional({ example: 'Apt 4' })
  @IsOptional()
  @IsString()
  @Length(0, 200)
  line2?: string;

  @ApiProperty({ example: 'Berlin' })
  @IsString()
  @Length(1, 100)
  city!: string;

  @ApiProperty({ example: '10115' })
  @IsString()
  @Matches(/^[A-Za-z0-9][A-Za-z0-9 -]{0,19}$/, {
    message: 'postalCode must be up to 20 letters, digits, spaces or dashes',
  })
  postalCode!: string;

  @ApiProperty({ example: 'DE', description: 'ISO 3166-1 alpha-2 country code' })
  @IsISO31661Alpha2()
  country!: string;
}

export class CardPaymentDto {
  @ApiProperty({ enum: ['card'] })
  @IsIn(['card'])
  method!: 'card';

  @ApiProperty({
    example: '4242424242424242',
    description: 'Used once to tokenize; only brand and last4 are kept',
  })
  @IsString()
  @Matches(/^\d{12,19}$/, { message: 'cardNumber must be 12-19 digits' })
  @IsCreditCard({ message: 'cardNumber is not a valid card number' })
  cardNumber!: string;

  @ApiProperty({ example: 12, minimum: 1, maximum: 12 })
  @IsInt()
  @Min(1)
  @Max(12)
  expiryMonth!: number;

  @ApiProperty({ example: new Date().getUTCFullYear() + 3 })
  @IsInt()
  @Min(2000)
  @Max(2100)
  @Validate(CardNotExpired)
  expiryYear!: number;

  @ApiProperty({ example: '123', description: 'Never stored or logged' })
  @IsString()
  @Matches(/^\d{3,4}$/, { message: 'cvv must be 3 or 4 digits' })
  cvv!: string;
}

/** The customer is the bearer token's `sub`: a `customerId` field is refused like any unknown field. */
export class PlaceOrderDto {
  @ApiProperty({ type: [OrderItemDto], minItems: 1, maxItems: MAX_LINES })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_LINES)
  @ArrayUnique((item: OrderItemDto | undefined) => item?.sku, { message: 'items must not repeat a sku' })
  @ValidateNested({ each: true })
  @Type(() => OrderItemDto)
  items!: OrderItemDto[];

  @ApiProperty({ type: ShippingAddressDto })
  @IsObject()
  @ValidateNested()
  @Type(() => ShippingAddressDto)
  shippingAddress!: ShippingAddressDto;

  @ApiProperty({ type: CardPaymentDto })
  @IsObject()
  @ValidateNested()
  @Type(() => CardPaymentDto)
  payment!: CardPaymentDto;
}
