import type { IncomingMessage } from 'node:http';
import { AppLogger, LIVENESS_PATH, requestIdFrom } from '@app/observability';
import { ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { AppModule, type ApiAppConfig } from './app.module';
import { BEARER_SCHEME } from './auth/auth.constants';
import { redactQueryToken } from './auth/query-token-redaction';
import { ApiExceptionFilter } from './http/api-exception.filter';
import { refuseUnprocessableJson } from './http/json-body-limits.hook';
import { requireJsonBodies } from './http/json-only.hook';
import { answerClientError, answerUnmetExpectation } from './http/node-http-errors';
import { documentProbes } from './http/probe-documentation';
import { drainUnreadBody } from './http/unread-body-drain.hook';
import { validationFailed } from './http/validation-errors';

/**
 * Builds the HTTP API (not yet listening): Fastify with a body limit, strict validation, one JSON error
 * shape for every failure, and OpenAPI at /docs. Used by main.ts and by the end-to-end tests alike.
 */
export async function createApiApp(config: ApiAppConfig): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: config.bodyLimitBytes,
    trustProxy: true,
    requestIdHeader: false,
    genReqId: (request: IncomingMessage) => requestIdFrom(request.headers),
    clientErrorHandler: answerClientError,
  });
  // First of all hooks: a token in the URL is censored before anything reads the URL.
  adapter.getInstance().addHook('onRequest', redactQueryToken);
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), adapter, {
    bufferLogs: true, // held until the pino logger is ready, then written through it
    abortOnError: false,
  });

  const fastify = app.getHttpAdapter().getInstance();
  fastify.server.on('checkExpectation', answerUnmetExpectation);
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.header('x-request-id', request.id); // kept by error replies too (only content headers reset)
    done();
  });
  fastify.addHook('onRequest', requireJsonBodies);
  fastify.addHook('preValidation', refuseUnprocessableJson);
  fastify.addHook('onSend', drainUnreadBody(config.bodyDrain));
  // Also receives Fastify's own errors (malformed JSON, 413, 415) and unknown routes, via Nest's router.
  app.useGlobalFilters(new ApiExceptionFilter());
  app.useGlobalPipes(
    new ValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      forbidUnknownValues: true,
      transform: true,
      validationError: { target: false, value: false },
      exceptionFactory: validationFailed,
    }),
  );

  const document = documentProbes(
    SwaggerModule.createDocument(
      app,
      new DocumentBuilder()
        .setTitle('Orders API')
        .setDescription(
          'Place, read, list and cancel your orders; browse and restock the catalog. Order routes need a ' +
            'bearer access token whose `sub` is the customer; operator routes need the `orders:admin` scope.',
        )
        .setVersion(process.env.npm_package_version ?? '0.1.0')
        .addBearerAuth(
          {
            type: 'http',
            scheme: 'bearer',
            bearerFormat: 'JWT',
            description:
              'An access token (JWT) in `Authorization: Bearer <token>`: its `sub` is the customer; operator ' +
              'routes need the `orders:admin` scope. Never in the URL.',
          },
          BEARER_SCHEME,
        )
        .build(),
    ),
  );
  // Liveness is a plain adapter route (LivenessRoute), outside Nest's router: documented here.
  document.paths[LIVENESS_PATH] = {
    get: {
      summary: 'Liveness: the process answers (no dependency is checked)',
      responses: {
        '200': {
          description: 'Alive, also while shutting down',
          content: { 'application/json': { schema: { type: 'object' } } },
        },
      },
    },
  };
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/openapi.json' });

  app.useLogger(app.get(AppLogger));
  await app.init();
  return app;
}
