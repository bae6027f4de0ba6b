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
import { SKU_PATTERN, SKU_PATTERN_MESSAGE } from '../../http/request-parsing';
import { CardNotExpired } from './card-not-expired.validator';

export const MAX_LINES = 50;
export const MAX_QUANTITY = 1000;
const POSTAL_CODE = /^[A-Za-z0-9][A-Za-z0-9 -]{0,19}$/;
const CARD_NUMBER = /^\d{12,19}$/;
const CVV = /^\d{3,4}$/;

export class OrderItemDto {
  @ApiProperty({ example: 'SKU-001', pattern: SKU_PATTERN.source })
  @IsString()
  @Matches(SKU_PATTERN, { message: `sku ${SKU_PATTERN_MESSAGE}` })
  sku!: string;

  @ApiProperty({ type: 'integer', example: 2, minimum: 1, maximum: MAX_QUANTITY })
  @IsInt()
  @Min(1)
  @Max(MAX_QUANTITY)
  quantity!: number;
}

export class ShippingAddressDto {
  @ApiProperty({ example: 'Ada Lovelace', minLength: 1, maxLength: 200 })
  @IsString()
  @Length(1, 200)
  name!: string;

  @ApiProperty({ example: '1 Main St', minLength: 1, maxLength: 200 })
  @IsString()
  @Length(1, 200)
  line1!: string;

  @ApiPropertyOptional({ example: 'Apt 4', maxLength: 200 })
  @IsOptional()
  @IsString()
  @Length(0, 200)
  line2?: string;

  @ApiProperty({ example: 'Berlin', minLength: 1, maxLength: 100 })
  @IsString()
  @Length(1, 100)
  city!: string;

  @ApiProperty({ example: '10115', pattern: POSTAL_CODE.source })
  @IsString()
  @Matches(POSTAL_CODE, {
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
    pattern: CARD_NUMBER.source,
    description: 'Used once to tokenize; only brand and last4 are kept',
  })
  @IsString()
  @Matches(CARD_NUMBER, { message: 'cardNumber must be 12-19 digits' })
  @IsCreditCard({ message: 'cardNumber is not a valid card number' })
  cardNumber!: string;

  @ApiProperty({ type: 'integer', example: 12, minimum: 1, maximum: 12 })
  @IsInt()
  @Min(1)
  @Max(12)
  expiryMonth!: number;

  @ApiProperty({
    type: 'integer',
    example: 2099, // fixed, or the document would change every year; valid for a long time
    minimum: 2000,
    maximum: 2100,
    description: 'The card must not have expired',
  })
  @IsInt()
  @Min(2000)
  @Max(2100)
  @Validate(CardNotExpired)
  expiryYear!: number;

  @ApiProperty({ example: '123', pattern: CVV.source, description: 'Never stored or logged' })
  @IsString()
  @Matches(CVV, { message: 'cvv must be 3 or 4 digits' })
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
