import { ApiHeader } from '@nestjs/swagger';

/**
 * The `Idempotency-Key` request header (optional; 1-255 visible ASCII characters, as parseIdempotencyKey
 * checks), with what a repeat under the same key does on this route.
 */
export const IdempotencyKeyHeader = (description: string) =>
  ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description,
    schema: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7E]+$' },
    example: 'order-2026-12-01-0001',
  });
