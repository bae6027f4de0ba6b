import { startEmbeddedPostgres, type EmbeddedPostgres } from '@app/database';
import { loadApiConfig } from './config/api.config';
import { ConfigurationError } from './config/env-parsers';
import { createApiApp } from './create-api-app';

async function main(): Promise<void> {
  const config = loadApiConfig();
  let embedded: EmbeddedPostgres | undefined;
  if (!config.databaseUrl) {
    embedded = await startEmbeddedPostgres(config.embeddedDatabase);
    console.log(
      JSON.stringify({
        level: 'log',
        message: `embedded PostgreSQL (PGlite) in ${config.embeddedDatabase.dataDir}, listening at ${embedded.url}`,
      }),
    );
  }
  const app = await createApiApp({ ...config, databaseUrl: config.databaseUrl ?? embedded!.url });
  await app.listen({ port: config.port, host: config.host });
  console.log(
    JSON.stringify({
      level: 'log',
      message: `orders API listening on ${await app.getUrl()} (workflow engine: ${config.engine.type})`,
    }),
  );

  let stopping = false;
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    console.log(JSON.stringify({ level: 'log', message: `${signal} received, shutting down` }));
    await app.close();
    await embedded?.stop();
    process.exit(0);
  };
  process.on('SIGTERM', (s) => void stop(s));
  process.on('SIGINT', (s) => void stop(s));
}

main().catch((error: unknown) => {
  if (error instanceof ConfigurationError) console.error(error.message);
  else console.error(error);
  process.exit(1);
});
