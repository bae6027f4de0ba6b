// First import: tracing must start before anything it instruments is loaded.
import { tracing } from './instrumentation';
import { ConfigurationError } from '@app/config';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '@app/database';
import { closeOnSignals, shutdownGracefully } from '@app/observability';
import { Logger } from '@nestjs/common';
import { loadApiConfig } from './config/api.config';
import { createApiApp } from './create-api-app';

async function main(): Promise<void> {
  const config = loadApiConfig();
  const embedded: EmbeddedPostgres | undefined = config.databaseUrl
    ? undefined
    : await startEmbeddedPostgres(config.embeddedDatabase);
  const app = await createApiApp({ ...config, databaseUrl: config.databaseUrl ?? embedded!.url });
  const logger = new Logger('Main');
  if (embedded)
    logger.log(
      `embedded PostgreSQL (PGlite) in ${config.embeddedDatabase.dataDir}, listening at ${embedded.url}`,
    );
  await app.listen({ port: config.port, host: config.host });
  logger.log(
    `orders API listening on ${await app.getUrl()} (workflow engine: ${config.engine.type}, Node.js ${process.version})`,
  );

  closeOnSignals(
    async () => {
      await shutdownGracefully(app); // readiness 503 → drain HTTP → sagas → connections → log shipping
      await embedded?.stop(); // after the app: the pool must close before its server goes away
      await tracing.shutdown(); // last: flush the spans of the shutdown itself
    },
    (message) => logger.log(message),
  );
}

main().catch((error: unknown) => {
  if (error instanceof ConfigurationError) console.error(error.message);
  else console.error(error);
  process.exit(1);
});
