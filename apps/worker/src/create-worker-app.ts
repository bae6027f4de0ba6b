import { ConsoleLogger, type LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { LogLevelName, WorkerConfig } from './config/worker.config';
import { WorkerModule, type WorkerModuleHooks } from './worker.module';

const NEST_LOG_LEVELS: Record<LogLevelName, LogLevel[]> = {
  fatal: ['fatal'],
  error: ['fatal', 'error'],
  warn: ['fatal', 'error', 'warn'],
  info: ['fatal', 'error', 'warn', 'log'],
  debug: ['fatal', 'error', 'warn', 'log', 'debug'],
  trace: ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'],
};

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
      logger: new ConsoleLogger({ json: true, logLevels: NEST_LOG_LEVELS[config.logLevel] }),
      abortOnError: false,
    },
  );
  await app.init();
  return app;
}
