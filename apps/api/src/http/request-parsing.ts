import { ParseUUIDPipe, type PipeTransform } from '@nestjs/common';
import { ApiError } from './api-error';

const IDEMPOTENCY_KEY = /^[\x21-\x7E]{1,255}$/;

/** What a SKU looks like, in bodies and paths alike. */
export const SKU_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
export const SKU_PATTERN_MESSAGE = 'must be 1-64 letters, digits, dots, dashes or underscores';

/** `Idempotency-Key`: optional; when sent, 1-255 visible ASCII characters. */
export function parseIdempotencyKey(value: string | string[] | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string' && IDEMPOTENCY_KEY.test(value)) return value;
  throw invalidParameter('Idempotency-Key', 'must be one value of 1-255 visible ASCII characters');
}

/** A path parameter that is not a UUID can never name anything: say so instead of looking it up. */
export const uuidPipe = (field: string) =>
  new ParseUUIDPipe({
    version: undefined,
    exceptionFactory: () => invalidParameter(field, 'must be a UUID'),
  });

export const orderIdPipe = uuidPipe('id');

/**
 * A path SKU that no product can have is refused instead of looked up (and never reaches SQL: a NUL
 * character, which PostgreSQL text cannot hold, failed the query with a 500).
 */
export const skuPipe: PipeTransform<string, string> = {
  transform(value) {
    if (SKU_PATTERN.test(value)) return value;
    throw invalidParameter('sku', SKU_PATTERN_MESSAGE);
  },
};

function invalidParameter(field: string, message: string): ApiError {
  return new ApiError(400, 'VALIDATION_FAILED', 'The request is not valid', [{ field, message }]);
}
