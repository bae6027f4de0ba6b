// Imported first by main.ts: OpenTelemetry patches node:http's client (outgoing spans, W3C propagation) before it loads.
import { serviceIdentity } from '@app/config';
import { startTracing } from '@app/observability/tracing';

const service = serviceIdentity(process.env, 'orders-jobs');

export const tracing = startTracing({
  serviceName: service.name,
  serviceVersion: service.version,
  environment: service.environment,
});
