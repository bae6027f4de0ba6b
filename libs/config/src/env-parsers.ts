import { z } from 'zod';

/** Environment values are strings: these turn them into typed values with a message naming the problem. */
export const envInt = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
export const envRatio = () => z.coerce.number().min(0).max(1);
export const envBoolean = () =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'expected true or false' })
    .transform((v) => v === 'true' || v === '1' || v === 'yes');
export const envUrl = (protocols: string[]) =>
  z.url().refine((v) => protocols.some((p) => v.startsWith(`${p}:`)), {
    error: `expected a ${protocols.join(' or ')} URL`,
  });

export class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError';
}

/** Parses `env` with `schema`; the error lists each bad variable by name. */
export function parseEnv<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv): z.infer<S> {
  // Empty strings count as unset, as they do for most twelve-factor apps.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  // A missing variable says so, rather than zod's "expected string, received undefined".
  const result = schema.safeParse(cleaned, {
    error: (issue) => (issue.code === 'invalid_type' && issue.input === undefined ? 'Required' : undefined),
  });
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
  throw new ConfigurationError(`Invalid configuration:\n${problems.join('\n')}`);
}
