import { ASYMMETRIC_ALGORITHMS, DEFAULT_LOCAL_KEY_FILE, type AsymmetricAlgorithm } from '@app/auth';
import { envInt, envUrl } from '@app/config';
import { z } from 'zod';

const JWKS_VARIABLES = ['AUTH_ISSUER', 'AUTH_AUDIENCE', 'AUTH_JWKS_URL'] as const;
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** The API's authentication and rate-limit variables, described for docs/configuration.md. */
export const authEnvShape = {
  AUTH_ISSUER: z
    .string()
    .min(1)
    .optional()
    .describe(
      'The token issuer (`iss`). `AUTH_ISSUER`, `AUTH_AUDIENCE` and `AUTH_JWKS_URL`: all three or none; unset, tokens of the local development key are accepted.',
    ),
  AUTH_AUDIENCE: z
    .string()
    .min(1)
    .optional()
    .describe('The audience tokens must name (`aud`), with `AUTH_ISSUER` and `AUTH_JWKS_URL`.'),
  // Keys fetched in clear could be swapped on the way: https, except on this machine (tests, sidecars).
  AUTH_JWKS_URL: envUrl(['https', 'http'])
    .refine((v) => v.startsWith('https:') || LOOPBACK_HOSTS.has(new URL(v).hostname), {
      error: 'must be an https URL (http only on localhost)',
    })
    .optional()
    .describe(
      "The issuer's JSON Web Key Set: https (http only on localhost), with `AUTH_ISSUER` and `AUTH_AUDIENCE`.",
    ),
  AUTH_ALGORITHMS: z
    .string()
    .transform((v) => v.split(',').map((a) => a.trim()))
    .pipe(
      z
        .array(z.enum(ASYMMETRIC_ALGORITHMS, { error: `expected ${ASYMMETRIC_ALGORITHMS.join(', ')}` }))
        .min(1),
    )
    .default(['RS256', 'ES256'] satisfies AsymmetricAlgorithm[])
    .describe('Signature algorithms accepted from the issuer (asymmetric ones only).'),
  AUTH_LOCAL_KEY_FILE: z
    .string()
    .min(1)
    .default(DEFAULT_LOCAL_KEY_FILE)
    .describe(
      'The local development key, created on first start when the JWKS variables are unset (git-ignored).',
    ),
  ORDER_RATE_LIMIT_PER_MINUTE: envInt(0, 1_000_000)
    .default(60)
    .describe(
      '`POST /orders` per customer and minute (`0`: no limit), counted in Redis when `RATE_LIMIT_REDIS_URL` is set.',
    ),
  OPERATOR_API_KEY: z
    .undefined({
      error: 'is no longer used: operator routes need a bearer token with the orders:admin scope',
    })
    .optional()
    .describe(
      'No longer used, and refused at start: operator routes need a bearer token with the `orders:admin` scope.',
    ),
};

type AuthEnv = z.infer<z.ZodObject<typeof authEnvShape>>;

/** Production needs all three JWKS variables or none: name each one that is missing. */
export function requireCompleteJwksSettings(env: Partial<AuthEnv>, context: z.RefinementCtx): void {
  const set = JWKS_VARIABLES.filter((name) => env[name] !== undefined);
  if (set.length === 0 || set.length === JWKS_VARIABLES.length) return;
  for (const name of JWKS_VARIABLES.filter((n) => env[n] === undefined))
    context.addIssue({ code: 'custom', path: [name], message: `Required when ${set.join(' and ')} is set` });
}

export type AuthSettings =
  | {
      /** Nothing configured: tokens signed with a local key generated on first start. */
      mode: 'local';
      keyFile: string;
    }
  | {
      /** Production: tokens from the issuer, verified against its JSON Web Key Set. */
      mode: 'jwks';
      issuer: string;
      audience: string;
      jwksUrl: URL;
      algorithms: AsymmetricAlgorithm[];
    };

export function authSettings(env: AuthEnv): AuthSettings {
  return env.AUTH_JWKS_URL
    ? {
        mode: 'jwks',
        issuer: env.AUTH_ISSUER!,
        audience: env.AUTH_AUDIENCE!,
        jwksUrl: new URL(env.AUTH_JWKS_URL),
        algorithms: env.AUTH_ALGORITHMS,
      }
    : { mode: 'local', keyFile: env.AUTH_LOCAL_KEY_FILE };
}
