import { ParseUUIDPipe } from '@nestjs/common';
import { ApiError } from './api-error';

const IDEMPOTENCY_KEY = /^[\x21-\x7E]{1,255}$/;

/** `Idempotency-Key`: optional; when sent, 1-255 visible ASCII characters. */
export function parseIdempotencyKey(value: string | string[] | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string' && IDEMPOTENCY_KEY.test(value)) return value;
  throw new ApiError(400, 'VALIDATION_FAILED', 'The request is not valid', [
    { field: 'Idempotency-Key', message: 'must be one value of 1-255 visible ASCII characters' },
  ]);
}

/** A path parameter that is not a UUID can never name anything: say so instead of looking it up. */
export const uuidPipe = (field: string) =>
  new ParseUUIDPipe({
    version: undefined,
    exceptionFactory: () =>
      new ApiError(400, 'VALIDATION_FAILED', 'The request is not valid', [
        { field, message: 'must be a UUID' },
      ]),
  });

export const orderIdPipe = uuidPipe('id');
