import { removeSeries, seriesLabelValues } from '@app/observability';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { WEBHOOK_LABELS, WEBHOOK_METRICS } from './webhook-telemetry.names';

export const WEBHOOK_SERIES_OPTIONS = Symbol('WEBHOOK_SERIES_OPTIONS');

export interface WebhookSeriesOptions {
  /** How often this process drops the series of endpoints deleted since (by any process). */
  pruneIntervalMs?: number;
}

export const DEFAULT_WEBHOOK_SERIES_PRUNE_INTERVAL_MS = 60_000;

/**
 * The per-endpoint series a process writes as it works (the backlog gauges are read afresh at each
 * scrape and need no pruning).
 */
const WRITTEN_SERIES = [
  WEBHOOK_METRICS.events,
  WEBHOOK_METRICS.attempts,
  WEBHOOK_METRICS.responses,
  WEBHOOK_METRICS.latency,
  WEBHOOK_METRICS.dead,
  WEBHOOK_METRICS.requestDuration,
];

/** Of the endpoint ids given, those that still exist. */
const EXISTING_ENDPOINTS_SQL = 'SELECT id::text AS id FROM webhook_endpoints WHERE id = ANY($1::uuid[])';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Keeps a deleted endpoint's series out of `/metrics`. Every process that counts webhook work (the API's
 * dispatcher and outbox, the worker's outbox) holds series labelled by endpoint id; an endpoint may be
 * deleted through any API replica, so each process checks, at an interval, which of the endpoints it
 * holds series for still exist, and removes the series of the others. One indexed query per interval,
 * none when the process holds no webhook series.
 */
@Injectable()
export class WebhookSeriesPruning implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(WebhookSeriesPruning.name);
  private timer?: NodeJS.Timeout;
  private running = false;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(WEBHOOK_SERIES_OPTIONS) private readonly options: WebhookSeriesOptions,
  ) {}

  onApplicationBootstrap(): void {
    const interval = this.options.pruneIntervalMs ?? DEFAULT_WEBHOOK_SERIES_PRUNE_INTERVAL_MS;
    this.timer = setInterval(() => void this.tick(), interval).unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /**
   * Removes this process's series of endpoints that no longer exist; resolves with how many series went.
   * Only the ids labelled before the query are candidates, so an endpoint registered meanwhile keeps its
   * series.
   */
  async prune(): Promise<number> {
    const labelled = [...(await seriesLabelValues(WRITTEN_SERIES, WEBHOOK_LABELS.endpoint))].filter((id) =>
      UUID.test(id),
    );
    if (labelled.length === 0) return 0;
    const rows: Array<{ id: string }> = await this.dataSource.query(EXISTING_ENDPOINTS_SQL, [labelled]);
    const gone = new Set(labelled);
    for (const { id } of rows) gone.delete(id);
    return gone.size === 0 ? 0 : removeSeries(WRITTEN_SERIES, WEBHOOK_LABELS.endpoint, gone);
  }

  private async tick(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      const removed = await this.prune();
      if (removed > 0) this.logger.log(`removed ${removed} series of deleted webhook endpoints`);
    } catch (error) {
      // The database may be down: the series stay until a later check succeeds.
      this.logger.warn(`could not check for deleted webhook endpoints: ${(error as Error).message}`);
    } finally {
      this.running = false;
    }
  }
}
