import { AccessTokens, createKeyFolder } from '../../test/support/access-tokens';
import type { Teardown } from './teardown';

/**
 * A local signing key for the APIs of one benchmark (AUTH_LOCAL_KEY_FILE), created before they start so
 * that APIs sharing a database accept the same tokens; removed at teardown.
 */
export async function benchKeys(teardown: Teardown): Promise<{ keyFile: string; tokens: AccessTokens }> {
  const folder = await createKeyFolder();
  teardown.defer(`remove ${folder.keyFile}`, () => folder.remove());
  return {
    keyFile: folder.keyFile,
    tokens: await AccessTokens.fromKeyFile(folder.keyFile, { create: true }),
  };
}
