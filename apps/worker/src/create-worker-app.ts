import { AppLogger } from '@app/observability';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { WorkerConfig } from './config/worker.config';
import { WorkerModule, type WorkerModuleHooks } from './worker.module';

/**
 * Builds the worker process (not yet listening): the Temporal worker is polling once this resolves, and
 * the Fastify server carries only the management endpoints. Used by main.ts and the live test alike.
 */
export async function createWorkerApp(
  config: WorkerConfig,
  hooks?: WorkerModuleHooks,
): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(
    WorkerModule.forRoot(config, hooks),
    new FastifyAdapter(),
    {
      bufferLogs: true, // held until the pino logger is ready, then written through it
      abortOnError: false,
    },
  );
  app.useLogger(app.get(AppLogger));
  await app.init();
  return app;
}
