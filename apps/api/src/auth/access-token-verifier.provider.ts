import {
  AccessTokenVerifier,
  LOCAL_ALGORITHM,
  LOCAL_AUDIENCE,
  LOCAL_ISSUER,
  loadOrCreateLocalSigningKey,
} from '@app/auth';
import { ConfigurationError } from '@app/config';
import { Logger, type Provider } from '@nestjs/common';
import type { AuthSettings } from '../config/auth.config';
import { ACCESS_TOKEN_VERIFIER } from './auth.constants';

/**
 * The verifier the configuration asks for. JWKS mode never loads the local key, so a token it signed
 * can never pass there; local mode creates the key on the first start.
 */
export function accessTokenVerifierProvider(settings: AuthSettings): Provider {
  return {
    provide: ACCESS_TOKEN_VERIFIER,
    useFactory: async (): Promise<AccessTokenVerifier> => {
      const logger = new Logger('Authentication');
      if (settings.mode === 'jwks') {
        logger.log(
          `bearer tokens of ${settings.issuer} for ${settings.audience}, keys from ${settings.jwksUrl.href}`,
        );
        return new AccessTokenVerifier({
          issuer: settings.issuer,
          audience: settings.audience,
          algorithms: settings.algorithms,
          keys: { kind: 'jwks', url: settings.jwksUrl },
        });
      }
      const key = await loadOrCreateLocalSigningKey(settings.keyFile).catch((error: unknown) => {
        throw new ConfigurationError(
          `Invalid configuration:\n  AUTH_LOCAL_KEY_FILE: cannot read or create the local signing key ` +
            `${settings.keyFile} (${(error as Error).message}); point it at a writable place, or set ` +
            'AUTH_ISSUER, AUTH_AUDIENCE and AUTH_JWKS_URL',
        );
      });
      logger.warn(
        `bearer tokens signed with the local development key ${settings.keyFile} (npm run token -- --customer <id>); ` +
          'set AUTH_ISSUER, AUTH_AUDIENCE and AUTH_JWKS_URL in production',
      );
      return new AccessTokenVerifier({
        issuer: LOCAL_ISSUER,
        audience: LOCAL_AUDIENCE,
        algorithms: [LOCAL_ALGORITHM],
        keys: { kind: 'local', publicKey: key.publicKey },
      });
    },
  };
}
