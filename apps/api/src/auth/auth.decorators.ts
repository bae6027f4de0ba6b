import { OPERATOR_SCOPE } from '@app/auth';
import {
  applyDecorators,
  createParamDecorator,
  SetMetadata,
  UseGuards,
  type ExecutionContext,
} from '@nestjs/common';
import { ApiBearerAuth } from '@nestjs/swagger';
import type { Principal } from '@app/auth';
import { ProblemResponses } from '../openapi/problem-responses.decorator';
import { BEARER_SCHEME, REQUIRED_SCOPE } from './auth.constants';
import { BearerAuthGuard } from './bearer-auth.guard';
import { principalOf } from './request-authenticator';

/** A customer route: a valid bearer token is required, and its `sub` is the customer. */
export const CustomerRoute = () =>
  applyDecorators(UseGuards(BearerAuthGuard), ApiBearerAuth(BEARER_SCHEME), ProblemResponses(401));

/** An operator route: a valid bearer token with the `orders:admin` scope. */
export const OperatorRoute = () =>
  applyDecorators(
    SetMetadata(REQUIRED_SCOPE, OPERATOR_SCOPE),
    CustomerRoute(),
    ProblemResponses({
      status: 403,
      description: `The token lacks the ${OPERATOR_SCOPE} scope (INSUFFICIENT_SCOPE)`,
    }),
  );

/** The verified caller; only on routes behind `@CustomerRoute()` or `@OperatorRoute()`. */
export const Caller = createParamDecorator((_data: unknown, context: ExecutionContext): Principal => {
  const principal = principalOf(context.switchToHttp().getRequest<object>());
  if (!principal) throw new Error('@Caller() used on a route without @CustomerRoute() or @OperatorRoute()');
  return principal;
});
