import type { IncomingMessage } from 'node:http';
import { AppLogger, requestIdFrom } from '@app/observability';
import { ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule, type ApiAppConfig } from './app.module';
import { redactQueryToken } from './auth/query-token-redaction';
import { ApiExceptionFilter } from './http/api-exception.filter';
import { answerFrameworkErrors } from './http/framework-errors';
import { refuseUnprocessableJson } from './http/json-body-limits.hook';
import { requireJsonBodies } from './http/json-only.hook';
import { answerClientErrors, answerUnmetExpectations } from './http/node-http-errors';
import { drainUnreadBody } from './http/unread-body-drain.hook';
import { validationFailed } from './http/validation-errors';
import { serveOpenApiDocument } from './openapi/openapi-document';

/**
 * Builds the HTTP API (not yet listening): Fastify with a body limit, strict validation, problem details
 * (RFC 9457) for every failure, and OpenAPI at /docs. Used by main.ts and by the end-to-end tests alike.
 */
export async function createApiApp(config: ApiAppConfig): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: config.bodyLimitBytes,
    trustProxy: true,
    requestIdHeader: false,
    genReqId: (request: IncomingMessage) => requestIdFrom(request.headers),
    clientErrorHandler: answerClientErrors(config.problemTypeBase),
    frameworkErrors: answerFrameworkErrors(config.problemTypeBase),
  });
  // First of all hooks: a token in the URL is censored before anything reads the URL.
  adapter.getInstance().addHook('onRequest', redactQueryToken);
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), adapter, {
    bufferLogs: true, // held until the pino logger is ready, then written through it
    abortOnError: false,
  });

  const fastify = app.getHttpAdapter().getInstance();
  fastify.server.on('checkExpectation', answerUnmetExpectations(config.problemTypeBase));
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.header('x-request-id', request.id); // kept by error replies too (only content headers reset)
    done();
  });
  fastify.addHook('onRequest', requireJsonBodies);
  fastify.addHook('preValidation', refuseUnprocessableJson);
  fastify.addHook('onSend', drainUnreadBody(config.bodyDrain));
  // Also receives Fastify's own errors (malformed JSON, 413, 415) and unknown routes, via Nest's router.
  app.useGlobalFilters(new ApiExceptionFilter(config.problemTypeBase));
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

  serveOpenApiDocument(app); // the document docs/openapi.json holds (npm run openapi)

  app.useLogger(app.get(AppLogger));
  await app.init();
  return app;
}
