// First import: tracing must start before anything it instruments is loaded.
import { tracing } from './instrumentation';
import { closeOnSignals, shutdownGracefully } from '@app/observability';
import { Logger } from '@nestjs/common';
import { ConfigurationError, loadWorkerConfig } from './config/worker.config';
import { createWorkerApp } from './create-worker-app';

async function main(): Promise<void> {
  const config = loadWorkerConfig();
  const app = await createWorkerApp(config);
  try {
    await app.listen({ port: config.metricsPort, host: '0.0.0.0' });
  } catch (error) {
    await app.close(); // the worker is already polling: let it hand its tasks back before exiting
    throw error;
  }
  const logger = new Logger('Main');
  logger.log(`orders worker management endpoints on ${await app.getUrl()} (Node.js ${process.version})`);

  closeOnSignals(
    async () => {
      await shutdownGracefully(app); // readiness 503 → worker drains → connections close
      await tracing.shutdown();
    },
    (message) => logger.log(message),
  );
}

main().catch((error: unknown) => {
  if (error instanceof ConfigurationError) console.error(error.message);
  else console.error(error);
  process.exit(1);
});
