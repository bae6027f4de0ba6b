// Imported first by main.ts: OpenTelemetry must patch http, Fastify, Nest, pg and pino before they load.
import { serviceIdentity } from '@app/config';
import { startTracing } from '@app/observability/tracing';

const service = serviceIdentity(process.env, 'orders-jobs');

export const tracing = startTracing({
  serviceName: service.name,
  serviceVersion: service.version,
  environment: service.environment,
});
