import { ASYMMETRIC_ALGORITHMS, DEFAULT_LOCAL_KEY_FILE, type AsymmetricAlgorithm } from '@app/auth';
import { envInt, envUrl } from '@app/config';
import { z } from 'zod';

const JWKS_VARIABLES = ['AUTH_ISSUER', 'AUTH_AUDIENCE', 'AUTH_JWKS_URL'] as const;
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** The API's authentication and rate-limit variables (README's configuration table mirrors them). */
export const authEnvShape = {
  AUTH_ISSUER: z.string().min(1).optional(),
  AUTH_AUDIENCE: z.string().min(1).optional(),
  // Keys fetched in clear could be swapped on the way: https, except on this machine (tests, sidecars).
  AUTH_JWKS_URL: envUrl(['https', 'http'])
    .refine((v) => v.startsWith('https:') || LOOPBACK_HOSTS.has(new URL(v).hostname), {
      error: 'must be an https URL (http only on localhost)',
    })
    .optional(),
  AUTH_ALGORITHMS: z
    .string()
    .transform((v) => v.split(',').map((a) => a.trim()))
    .pipe(
      z
        .array(z.enum(ASYMMETRIC_ALGORITHMS, { error: `expected ${ASYMMETRIC_ALGORITHMS.join(', ')}` }))
        .min(1),
    )
    .default(['RS256', 'ES256'] satisfies AsymmetricAlgorithm[]),
  AUTH_LOCAL_KEY_FILE: z.string().min(1).default(DEFAULT_LOCAL_KEY_FILE),
  ORDER_RATE_LIMIT_PER_MINUTE: envInt(0, 1_000_000).default(60),
  OPERATOR_API_KEY: z
    .undefined({
      error: 'is no longer used: operator routes need a bearer token with the orders:admin scope',
    })
    .optional(),
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
