/// <reference lib="esnext.temporal" />
import { ORDER_STATUSES, type OrderStatus } from '@app/orders';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  Validate,
  ValidatorConstraint,
  isRFC3339,
  type ValidationArguments,
  type ValidatorConstraintInterface,
} from 'class-validator';
import { PageQueryDto } from '../../http/page.query';
import { SKU_PATTERN, SKU_PATTERN_MESSAGE } from '../../http/request-parsing';

/** What a failure reason looks like (PAYMENT_DECLINED, CANCELLED_BY_CUSTOMER, …). */
const FAILURE_REASON = /^[A-Z][A-Z0-9_]{0,63}$/;
/** What a customer id looks like: the token's `sub` (1-64 visible ASCII characters). */
const CUSTOMER_ID = /^[\x21-\x7E]{1,64}$/;

const DATE_TIME_MESSAGE = 'must be an ISO 8601 date-time with a UTC offset, e.g. 2024-05-01T00:00:00Z';

/**
 * An ISO 8601 (RFC 3339) date-time with its offset, as an instant; undefined when it is not one. The
 * syntax check keeps years to four digits (PostgreSQL cannot store every instant Temporal reads);
 * Temporal rejects dates that do not exist (February 30th).
 */
export function parseDateTime(value: unknown): Date | undefined {
  if (typeof value !== 'string' || !isRFC3339(value)) return undefined;
  try {
    return new Date(Temporal.Instant.from(value).epochMilliseconds);
  } catch {
    return undefined;
  }
}

@ValidatorConstraint({ name: 'isDateTime' })
class IsDateTime implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return parseDateTime(value) !== undefined;
  }

  defaultMessage(): string {
    return DATE_TIME_MESSAGE;
  }
}

/** On `createdFrom`: the range must not end before it starts (checked when both are valid instants). */
@ValidatorConstraint({ name: 'notAfterCreatedTo' })
class NotAfterCreatedTo implements ValidatorConstraintInterface {
  validate(createdFrom: unknown, args: ValidationArguments): boolean {
    const from = parseDateTime(createdFrom);
    const to = parseDateTime((args.object as { createdTo?: unknown }).createdTo);
    return from === undefined || to === undefined || from.getTime() <= to.getTime();
  }

  defaultMessage(): string {
    return 'must not be after createdTo';
  }
}

/** A repeated parameter arrives as an array, a single one as a string: always an array. */
const asArray = ({ value }: { value: unknown }) =>
  value === undefined ? undefined : Array.isArray(value) ? value : [value];

/** Operators' order search: every filter optional, combined with AND; `status` may repeat (any of them). */
export class SearchOrdersQueryDto extends PageQueryDto {
  @ApiPropertyOptional({
    enum: ORDER_STATUSES,
    enumName: 'OrderStatus',
    isArray: true,
    description: 'Orders in any of these statuses; repeat the parameter: `?status=PAID&status=SHIPPED`',
  })
  @IsOptional()
  @Transform(asArray)
  @IsArray()
  @ArrayMaxSize(ORDER_STATUSES.length)
  @IsIn(ORDER_STATUSES, { each: true })
  status?: OrderStatus[];

  @ApiPropertyOptional({ description: "The customer's id (the `sub` of their tokens)", example: 'c-42' })
  @IsOptional()
  @IsString()
  @Matches(CUSTOMER_ID, { message: 'customerId must be 1-64 visible ASCII characters' })
  customerId?: string;

  @ApiPropertyOptional({
    format: 'date-time',
    description:
      'Orders created at or after this instant (ISO 8601 with an offset; send `+` as `%2B` in a URL)',
    example: '2024-05-01T00:00:00Z',
  })
  @IsOptional()
  @Validate(IsDateTime)
  @Validate(NotAfterCreatedTo)
  createdFrom?: string;

  @ApiPropertyOptional({
    format: 'date-time',
    description: 'Orders created at or before this instant (ISO 8601 with an offset)',
    example: '2024-05-31T23:59:59Z',
  })
  @IsOptional()
  @Validate(IsDateTime)
  createdTo?: string;

  @ApiPropertyOptional({
    pattern: FAILURE_REASON.source,
    description: 'Failed or cancelled orders with this reason',
    example: 'PAYMENT_DECLINED',
  })
  @IsOptional()
  @IsString()
  @Matches(FAILURE_REASON, {
    message: 'failureReason must be 1-64 upper-case letters, digits or underscores',
  })
  failureReason?: string;

  @ApiPropertyOptional({ pattern: SKU_PATTERN.source, description: 'Orders with a line of this SKU' })
  @IsOptional()
  @IsString()
  @Matches(SKU_PATTERN, { message: `sku ${SKU_PATTERN_MESSAGE}` })
  sku?: string;
}

/** `olderThan` when the query leaves it out. */
export const DEFAULT_STUCK_AGE = 'PT15M';
/** The longest `olderThan`: about ten years, so that "now minus it" stays a date PostgreSQL stores. */
const MAX_STUCK_AGE_SECONDS = 3650 * 86_400;

/**
 * An ISO 8601 duration in seconds, read by Temporal.Duration; a problem instead when it is malformed,
 * not positive, too long, or in years or months, which have no fixed length.
 */
export function durationSeconds(value: string): { seconds: number } | { problem: string } {
  let duration: Temporal.Duration;
  try {
    duration = Temporal.Duration.from(value);
  } catch {
    return { problem: 'must be an ISO 8601 duration, e.g. PT15M, PT2H or P1D' };
  }
  if (duration.years !== 0 || duration.months !== 0)
    return { problem: 'must not use years or months (no fixed length): use weeks, days, hours or minutes' };
  let seconds: number;
  try {
    // Relative to a date, weeks are 7 days and days 24 hours; which date does not matter without months.
    seconds = duration.total({ unit: 'seconds', relativeTo: Temporal.Now.plainDateISO('UTC') });
  } catch {
    return { problem: 'must be at most P3650D' }; // beyond the dates Temporal represents
  }
  if (!(seconds > 0)) return { problem: 'must be longer than zero' };
  if (seconds > MAX_STUCK_AGE_SECONDS) return { problem: 'must be at most P3650D' };
  return { seconds };
}

/** Problem of a value that is not a usable `olderThan`; null when it is one. */
function stuckAgeProblem(value: unknown): string | null {
  if (typeof value !== 'string') return 'must be one ISO 8601 duration';
  const parsed = durationSeconds(value);
  return 'problem' in parsed ? parsed.problem : null;
}

@ValidatorConstraint({ name: 'isStuckAge' })
class IsStuckAge implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return stuckAgeProblem(value) === null;
  }

  defaultMessage(args: ValidationArguments): string {
    return stuckAgeProblem(args.value) ?? 'must be an ISO 8601 duration';
  }
}

/** Unfinished orders whose state has not changed for `olderThan`. */
export class StuckOrdersQueryDto {
  @ApiPropertyOptional({
    format: 'duration',
    default: DEFAULT_STUCK_AGE,
    example: 'PT15M',
    description:
      'ISO 8601 duration the order has not changed state for; optional, default PT15M (15 minutes). ' +
      'Weeks, days, hours, minutes and seconds; longer than zero, at most P3650D. Years and months ' +
      '(no fixed length) are refused.',
  })
  @IsOptional()
  @Validate(IsStuckAge)
  olderThan?: string;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 1000, default: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;
}
