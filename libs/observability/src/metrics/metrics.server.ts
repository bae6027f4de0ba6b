import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { DEBUG_VARS_PATH, DebugVars } from '../debug/debug-vars';
import { RESOLVED_OPTIONS } from '../observability.constants';
import type { ResolvedObservabilityOptions } from '../observability.options';
import { renderMetrics } from './metrics-exposition';

/**
 * Serves `/metrics` (and the debug view `/debug/vars`) on its own port, apart from the public API, so API
 * clients never reach it.
 * It starts with the application and is the last thing to close, so the final scrape still works.
 */
@Injectable()
export class MetricsServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(MetricsServer.name);
  private server?: Server;

  constructor(
    @Inject(RESOLVED_OPTIONS) private readonly options: ResolvedObservabilityOptions,
    private readonly debugVars: DebugVars,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { enabled, port, host, path } = this.options.metrics;
    if (!enabled || port === null) return;
    const server = createServer((request, response) => {
      const url = (request.url ?? '/').split('?')[0];
      if (request.method === 'GET' && url === DEBUG_VARS_PATH) {
        void this.debugVars
          .snapshot()
          .then((vars) =>
            response
              .writeHead(200, { 'content-type': 'application/json; charset=utf-8' })
              .end(JSON.stringify(vars)),
          );
        return;
      }
      if (request.method !== 'GET' || url !== path) {
        response.writeHead(404, { 'content-type': 'text/plain' }).end(`metrics are served at ${path}\n`);
        return;
      }
      renderMetrics(request.headers.accept).then(
        ({ contentType, body }) => response.writeHead(200, { 'content-type': contentType }).end(body),
        (error: unknown) => {
          this.logger.error(`collecting metrics failed: ${String(error)}`);
          response.writeHead(500, { 'content-type': 'text/plain' }).end('collecting metrics failed\n');
        },
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    this.server = server;
    this.logger.log(`metrics on http://${host}:${this.port()}${path}`);
  }

  /** The port actually bound (useful when configured as 0). */
  port(): number | null {
    return (this.server?.address() as AddressInfo | null)?.port ?? null;
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
