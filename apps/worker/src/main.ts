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
  console.log(
    JSON.stringify({ level: 'log', message: `orders worker management endpoints on ${await app.getUrl()}` }),
  );

  let stopping = false;
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    console.log(JSON.stringify({ level: 'log', message: `${signal} received, shutting down` }));
    try {
      await app.close();
      process.exit(0);
    } catch (error) {
      console.error(error);
      process.exit(1);
    }
  };
  process.on('SIGTERM', (s) => void stop(s));
  process.on('SIGINT', (s) => void stop(s));
}

main().catch((error: unknown) => {
  if (error instanceof ConfigurationError) console.error(error.message);
  else console.error(error);
  process.exit(1);
});
