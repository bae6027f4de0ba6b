import { TOKEN_REJECTION_REASONS, type TokenRejectionReason } from '@app/auth';
import { InjectMetric, type Counter } from '@app/observability';
import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AUTH_METRICS } from './auth.metrics';
import { REQUIRED_SCOPE } from './auth.constants';
import { insufficientScope, refusalFor, type AuthRefusal } from './bearer-challenge';
import { RequestAuthenticator } from './request-authenticator';

/**
 * Lets a request through when its bearer token is valid and carries the scope the route requires
 * (`@OperatorRoute()`); otherwise answers 401 or 403 with a `WWW-Authenticate` challenge and counts the
 * refusal by reason.
 */
@Injectable()
export class BearerAuthGuard implements CanActivate {
  constructor(
    private readonly authenticator: RequestAuthenticator,
    private readonly reflector: Reflector,
    @InjectMetric(AUTH_METRICS.failures) private readonly failures: Counter<'reason'>,
  ) {
    // Every reason is a series from the start, so rates and alerts see a 0 before the first refusal.
    for (const reason of TOKEN_REJECTION_REASONS) failures.labels(reason).inc(0);
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const http = context.switchToHttp();
    const authentication = await this.authenticator.authenticate(http.getRequest<FastifyRequest>());
    if (!authentication.ok)
      this.refuse(http.getResponse(), authentication.error.reason, refusalFor(authentication.error));
    const scope = this.reflector.getAllAndOverride<string | undefined>(REQUIRED_SCOPE, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (scope && !authentication.principal.scopes.has(scope))
      this.refuse(http.getResponse(), 'insufficient_scope', insufficientScope(scope));
    return true;
  }

  private refuse(reply: FastifyReply, reason: TokenRejectionReason, refusal: AuthRefusal): never {
    this.failures.labels(reason).inc();
    if (refusal.challenge) void reply.header('www-authenticate', refusal.challenge);
    throw refusal.error;
  }
}
