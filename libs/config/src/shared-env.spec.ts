import { z } from 'zod';
import { ConfigurationError, parseEnv } from './env-parsers';
import { sharedEnvShape } from './shared-env';

const parse = (env: NodeJS.ProcessEnv) => parseEnv(z.object(sharedEnvShape), env);

describe('MEMORY_LIMIT_BYTES', () => {
  it('is unset unless given', () => {
    expect(parse({}).MEMORY_LIMIT_BYTES).toBeUndefined();
  });

  it('takes the byte count the Downward API gives for limits.memory', () => {
    expect(parse({ MEMORY_LIMIT_BYTES: '536870912' }).MEMORY_LIMIT_BYTES).toBe(512 * 1024 ** 2);
  });

  it.each(['512Mi', '512', '-1', '1.5e9x'])('refuses %s, naming the variable', (value) => {
    expect(() => parse({ MEMORY_LIMIT_BYTES: value })).toThrow(ConfigurationError);
    expect(() => parse({ MEMORY_LIMIT_BYTES: value })).toThrow(/MEMORY_LIMIT_BYTES/);
  });
});
