import { AccessTokens, createKeyFolder } from '../../../../test/support/access-tokens';
import { startAppProcess, type AppProcess } from '../../../../test/support/app-process';

export interface ApiProcess extends AppProcess {
  /** The API's local signing key (AUTH_LOCAL_KEY_FILE). */
  keyFile: string;
  /** Tokens signed with it. */
  tokens: AccessTokens;
}

/**
 * Starts the API's real entry point (`apps/api/src/main.ts`) in a child `node` process and resolves once
 * it logs the address it listens on. Unless `env` names an AUTH_LOCAL_KEY_FILE, the API generates its
 * local signing key in a temporary folder, removed when the process is stopped.
 */
export async function startApiProcess(env: Record<string, string>, timeoutMs = 60_000): Promise<ApiProcess> {
  const keys = env.AUTH_LOCAL_KEY_FILE ? undefined : await createKeyFolder();
  const keyFile = env.AUTH_LOCAL_KEY_FILE ?? keys!.keyFile;
  let app: AppProcess;
  try {
    app = await startAppProcess(
      'apps/api/src/main.ts',
      /listening on (http:\/\/[^\s),]+)/,
      {
        HOST: '127.0.0.1',
        PORT: '0',
        METRICS_PORT: '0',
        LOG_LEVEL: 'info', // the harness reads the address from the `listening on` line
        SHUTDOWN_READINESS_DRAIN_MS: '300',
        PAYMENT_SIM_LATENCY_MS: '5',
        CARRIER_SIM_LATENCY_MS: '5',
        AUTH_LOCAL_KEY_FILE: keyFile,
        ...env,
      },
      timeoutMs,
    );
  } catch (error) {
    await keys?.remove();
    throw error;
  }
  // In JWKS mode the API never creates the file: the tokens are then for tests that expect refusals.
  const tokens = await AccessTokens.fromKeyFile(keyFile, { create: Boolean(env.AUTH_JWKS_URL) });
  return {
    ...app,
    keyFile,
    tokens,
    async stop(signal?: NodeJS.Signals) {
      const code = await app.stop(signal);
      await keys?.remove();
      return code;
    },
  };
}
