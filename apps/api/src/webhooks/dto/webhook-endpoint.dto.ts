import { WEBHOOK_EVENT_TYPES, type WebhookEventType } from '@app/webhooks';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsOptional,
  IsString,
  IsUrl,
  MaxLength,
} from 'class-validator';

const URL_FORM = { protocols: ['http', 'https'], require_protocol: true, require_tld: false };

/** A new endpoint. The URL is also checked against the SSRF policy (422 when refused). */
export class CreateWebhookEndpointDto {
  @ApiProperty({
    example: 'https://hooks.example.com/orders',
    maxLength: 2048,
    description:
      'https (http only in development or to WEBHOOK_ALLOWED_HOSTS); never a private, loopback, link-local or metadata address',
  })
  @IsString()
  @MaxLength(2048)
  @IsUrl(URL_FORM, { message: 'must be an absolute http(s) URL' })
  url!: string;

  @ApiProperty({
    enum: WEBHOOK_EVENT_TYPES,
    enumName: 'WebhookEventType',
    isArray: true,
    example: ['order.created', 'order.completed'],
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(WEBHOOK_EVENT_TYPES.length * 2)
  @IsIn(WEBHOOK_EVENT_TYPES, {
    each: true,
    message: `each value must be one of ${WEBHOOK_EVENT_TYPES.join(', ')}`,
  })
  eventTypes!: WebhookEventType[];

  @ApiPropertyOptional({ default: true, description: 'false: no events are written for it (paused)' })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  @ApiPropertyOptional({ maxLength: 500, example: 'Warehouse system' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string;
}

/** Changes to an endpoint: what is left out stays as it is; `description: null` removes it. */
export class UpdateWebhookEndpointDto {
  @ApiPropertyOptional({ example: 'https://hooks.example.com/orders-v2', maxLength: 2048 })
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  @IsUrl(URL_FORM, { message: 'must be an absolute http(s) URL' })
  url?: string;

  @ApiPropertyOptional({ enum: WEBHOOK_EVENT_TYPES, enumName: 'WebhookEventType', isArray: true })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(WEBHOOK_EVENT_TYPES.length * 2)
  @IsIn(WEBHOOK_EVENT_TYPES, {
    each: true,
    message: `each value must be one of ${WEBHOOK_EVENT_TYPES.join(', ')}`,
  })
  eventTypes?: WebhookEventType[];

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 500 })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string | null;
}
