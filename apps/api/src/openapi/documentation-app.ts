import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { OpenAPIObject } from '@nestjs/swagger';
import { AppModule } from '../app.module';
import { loadApiConfig } from '../config/api.config';
import { buildOpenApiDocument } from './openapi-document';

/** Never connected to: a preview application instantiates no provider. */
const UNUSED_DATABASE_URL = 'postgres://documentation@127.0.0.1:1/unused';

/**
 * The API's application in preview mode: its modules, controllers and routes, without instantiating a
 * provider — no PostgreSQL, Temporal, Redis or signing key is needed, nothing listens.
 */
export async function createDocumentationApp(): Promise<INestApplication> {
  const config = loadApiConfig({ LOG_LEVEL: 'silent' });
  return NestFactory.create(
    AppModule.forRoot({ ...config, databaseUrl: UNUSED_DATABASE_URL }),
    new FastifyAdapter(),
    {
      preview: true,
      logger: false,
      abortOnError: false,
    },
  );
}

/** The document the API serves, built without starting it (what `npm run openapi` commits). */
export async function buildOpenApiDocumentOffline(): Promise<OpenAPIObject> {
  const app = await createDocumentationApp();
  try {
    return buildOpenApiDocument(app);
  } finally {
    await app.close();
  }
}
