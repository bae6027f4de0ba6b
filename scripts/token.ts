// Prints an access token for the API's local development key (the key is created if the API has not
// started yet), valid for a day:
//
//   npm run --silent token -- --customer c-42                       # a customer
//   npm run --silent token -- --customer ops-1 --scope orders:admin  # an operator
//
// The key is AUTH_LOCAL_KEY_FILE (default .data/auth/local-signing-key.json), the file the API uses when
// AUTH_ISSUER, AUTH_AUDIENCE and AUTH_JWKS_URL are unset. With AUTH_JWKS_URL set the API refuses these
// tokens: get one from the issuer instead.
import { parseArgs } from 'node:util';
import { DEFAULT_LOCAL_KEY_FILE, LOCAL_TOKEN_TTL_SECONDS } from '@app/auth';
import { AccessTokens } from '../tooling/tokens';

const USAGE = `Usage: npm run --silent token -- --customer <id> [--scope <scope>]...

Prints a bearer token for the API's local development key, valid for ${LOCAL_TOKEN_TTL_SECONDS / 3600} hours.
  --customer <id>   the customer (the token's sub): 1-64 visible ASCII characters
  --scope <scope>   a scope to grant, e.g. orders:admin for the operator routes (repeatable)
Key file: AUTH_LOCAL_KEY_FILE (default ${DEFAULT_LOCAL_KEY_FILE}), created when missing.`;

async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  let values: { customer?: string; scope?: string[]; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        customer: { type: 'string' },
        scope: { type: 'string', multiple: true },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (error) {
    process.stderr.write(`token: ${(error as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (!values.customer || !/^[\x21-\x7E]{1,64}$/.test(values.customer)) {
    process.stderr.write(`token: --customer needs an id of 1-64 visible ASCII characters\n\n${USAGE}\n`);
    return 2;
  }
  if (env.AUTH_JWKS_URL) {
    process.stderr.write(
      'token: AUTH_JWKS_URL is set, so the API accepts only tokens of its issuer; ask the issuer for one\n',
    );
    return 1;
  }
  const tokens = await AccessTokens.fromKeyFile(env.AUTH_LOCAL_KEY_FILE || DEFAULT_LOCAL_KEY_FILE, {
    create: true,
  });
  const token = await tokens.token({ subject: values.customer, scopes: values.scope ?? [] });
  process.stdout.write(`${token}\n`);
  return 0;
}

main(process.argv.slice(2), process.env).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`token: ${(error as Error).message}\n`);
    process.exit(1);
  },
);
