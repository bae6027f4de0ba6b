import { setTimeout as sleep } from 'node:timers/promises';
import type { INestApplication } from '@nestjs/common';
import { ShutdownState } from '../health/shutdown-state';
import { LogShipping } from '../logging/log-shipping';
import { RESOLVED_OPTIONS } from '../observability.constants';
import type { ResolvedObservabilityOptions } from '../observability.options';

/**
 * The shutdown order operators expect: readiness turns 503 at once; after `readinessDrainMs` the HTTP
 * server stops accepting and waits for in-flight requests; then Nest's shutdown hooks drain background
 * work (sagas, the Temporal worker) before connections close; the log shipper flushes last. Flush the tracer after this.
 */
export async function shutdownGracefully(app: INestApplication): Promise<void> {
  const options = app.get<ResolvedObservabilityOptions>(RESOLVED_OPTIONS);
  const shipping = app.get(LogShipping); // fetched now: a closed app cannot be asked
  app.get(ShutdownState).begin();
  if (options.health.readinessDrainMs > 0) await sleep(options.health.readinessDrainMs);
  await app.getHttpAdapter().close();
  await app.close();
  await shipping.close(); // last: the shutdown hooks above still log
}
