import { existsSync } from 'node:fs';
import path from 'node:path';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import pino, { type DestinationStream } from 'pino';
import type { Counter } from 'prom-client';
import { RESOLVED_OPTIONS } from '../observability.constants';
import type { ResolvedObservabilityOptions } from '../observability.options';
import { LOG_SHIPPING_FAILURES_METRIC, logDatasets } from './log-names';

export type LogStream = 'app' | 'audit';

const TRANSPORT_FILE = 'elasticsearch.transport.js';

/**
 * The transport file sits beside this code (sources, tests), under the bundled main.js at its source path
 * (builds copy it there, see nest-cli.json assets), or in the repository when run from its root.
 */
function transportPath(): string {
  const candidates = [
    path.join(__dirname, TRANSPORT_FILE),
    path.join(__dirname, 'libs/observability/src/logging', TRANSPORT_FILE),
    path.resolve('libs/observability/src/logging', TRANSPORT_FILE),
  ];
  const found = candidates.find((candidate) => existsSync(candidate));
  if (!found) throw new Error(`log shipping transport not found (looked in ${candidates.join(', ')})`);
  return found;
}

interface FailureCounts {
  rejected: number;
  lost: number;
  dropped: number;
  lastError?: string;
}

/**
 * Lines are written to stdout once this much is pending (about twenty access lines)… Each write is a trip
 * through libuv's thread pool and back to the event loop: under load, 16 KB blocks cost the API less CPU
 * per request than 4 KB ones (BENCHMARKS.md).
 */
const STDOUT_BLOCK_BYTES = 16_384;
/** …at most this much in one write (sonic-boom's `maxWrite`, which must be larger than the block)… */
const STDOUT_MAX_WRITE_BYTES = 65_536;
/** …or after this long, so a quiet process's lines still appear at once to whoever reads them. */
const STDOUT_FLUSH_MS = 100;

/**
 * Where log lines go: always stdout as JSON; with Elasticsearch configured, also a worker-thread transport
 * per stream into its data stream. Shipping failures are counted (`log_shipping_failures_total`) and never
 * block, slow or crash the application.
 */
@Injectable()
export class LogShipping {
  private readonly logger = new Logger(LogShipping.name);
  private readonly transports = new Map<LogStream, DestinationStream & NodeJS.EventEmitter>();
  private readonly stdouts: ReturnType<typeof pino.destination>[] = [];

  constructor(
    @Inject(RESOLVED_OPTIONS) options: ResolvedObservabilityOptions,
    @InjectMetric(LOG_SHIPPING_FAILURES_METRIC) private readonly failures: Counter<'kind' | 'stream'>,
  ) {
    const elasticsearch = options.logging.elasticsearch;
    if (!elasticsearch) return;
    const datasets = logDatasets(options.serviceName, elasticsearch.indexPrefix);
    for (const stream of ['app', 'audit'] as const) {
      const transport = pino.transport({
        target: transportPath(),
        worker: { execArgv: [] }, // no preloaded tracing inside the log worker
        options: {
          node: elasticsearch.url,
          index: datasets[stream].index,
          opType: 'create', // data streams only accept creates
          esVersion: 8,
          flushBytes: 1_000_000,
          flushInterval: elasticsearch.flushIntervalMs,
          requestTimeout: 5_000,
          maxRetries: 1,
        },
      }) as DestinationStream & NodeJS.EventEmitter;
      transport.on('elasticsearch:failures', (counts: FailureCounts) => this.count(stream, counts));
      transport.on('error', (error: Error) => {
        this.failures.inc({ kind: 'transport_error', stream });
        process.stderr.write(`log shipping (${stream}) stopped: ${error.message}\n`);
      });
      this.transports.set(stream, transport);
    }
  }

  get shipping(): boolean {
    return this.transports.size > 0;
  }

  /**
   * stdout, plus Elasticsearch when configured. stdout is written asynchronously and in blocks: lines
   * gather until `STDOUT_BLOCK_BYTES` are pending or `STDOUT_FLUSH_MS` has passed, then go out in one
   * write (a write per line cost more than a tenth of a request's CPU under load), and a full pipe never
   * blocks the event loop. `close()` and process exit flush what is pending.
   */
  destination(stream: LogStream): DestinationStream {
    const stdout = pino.destination({
      dest: 1,
      sync: false,
      minLength: STDOUT_BLOCK_BYTES,
      maxWrite: STDOUT_MAX_WRITE_BYTES,
      periodicFlush: STDOUT_FLUSH_MS,
    });
    this.stdouts.push(stdout);
    const transport = this.transports.get(stream);
    return transport ? pino.multistream([{ stream: stdout }, { stream: transport }]) : stdout;
  }

  /** Flushes and stops the transports; call last, after everything that logs during shutdown. */
  async close(timeoutMs = 5_000): Promise<void> {
    for (const stdout of this.stdouts.splice(0)) {
      try {
        stdout.flushSync();
      } catch {
        // Not open yet, or stdout already gone: nothing left that could be written.
      }
    }
    const closing = [...this.transports.values()].map(
      (transport) =>
        new Promise<void>((resolve) => {
          transport.once('close', () => resolve());
          (transport as unknown as { end(): void }).end();
        }),
    );
    this.transports.clear();
    await Promise.race([
      Promise.all(closing),
      new Promise((resolve) => setTimeout(resolve, timeoutMs).unref()),
    ]);
  }

  private count(stream: LogStream, counts: FailureCounts): void {
    for (const kind of ['rejected', 'lost', 'dropped'] as const) {
      if (counts[kind] > 0) this.failures.inc({ kind, stream }, counts[kind]);
    }
    if (counts.lastError)
      this.logger.warn(`log shipping to Elasticsearch failing (${stream}): ${counts.lastError}`);
  }
}
