import { ORDER_STATUSES, type OrderStatus } from '@app/orders';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Length } from 'class-validator';
import { PageQueryDto } from '../../http/page.query';

export class ListOrdersQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ example: 'c-42' })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  customerId?: string;

  @ApiPropertyOptional({ enum: ORDER_STATUSES })
  @IsOptional()
  @IsIn(ORDER_STATUSES)
  status?: OrderStatus;
}
