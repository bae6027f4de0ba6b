import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsString, Length } from 'class-validator';

export const MAX_CANCELLATION_REASON = 500;

/** An operator's cancellation: why, for the audit trail. */
export class CancelOrderDto {
  @ApiProperty({
    minLength: 1,
    maxLength: MAX_CANCELLATION_REASON,
    example: 'the customer asked by phone',
    description: 'Why the order is cancelled; kept in the audit event, surrounding white space removed',
  })
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value))
  @IsString()
  @Length(1, MAX_CANCELLATION_REASON)
  reason!: string;
}
