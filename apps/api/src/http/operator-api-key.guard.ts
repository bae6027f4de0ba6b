import { createHash, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ApiError } from './api-error';

export const OPERATOR_API_KEY = Symbol('OPERATOR_API_KEY');

const digest = (value: string) => createHash('sha256').update(value).digest();

/** Operator routes need `X-Api-Key`; with no key configured they are switched off entirely. */
@Injectable()
export class OperatorApiKeyGuard implements CanActivate {
  private readonly expected: Buffer | null;

  constructor(@Inject(OPERATOR_API_KEY) apiKey: string | undefined) {
    this.expected = apiKey ? digest(apiKey) : null;
  }

  canActivate(context: ExecutionContext): boolean {
    if (!this.expected) {
      throw new ApiError(
        403,
        'OPERATOR_API_DISABLED',
        'Operator routes are disabled: OPERATOR_API_KEY is not configured',
      );
    }
    const presented = context.switchToHttp().getRequest<FastifyRequest>().headers['x-api-key'];
    if (typeof presented !== 'string' || !timingSafeEqual(digest(presented), this.expected)) {
      throw new ApiError(401, 'INVALID_API_KEY', 'A valid X-Api-Key header is required');
    }
    return true;
  }
}
