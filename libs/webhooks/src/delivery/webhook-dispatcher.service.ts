import { InjectMetric, type Counter } from '@app/observability';
import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { WEBHOOK_ATTRIBUTES as ATTR, WEBHOOK_METRICS } from '../webhook-telemetry.names';
import { WEBHOOKS_OPTIONS, type ResolvedWebhooksOptions } from '../webhooks.options';
import { EndpointDeliveryState } from './endpoint-delivery-state';
import { WebhookAttempts } from './webhook-attempts';
import { WebhookDeliveries } from './webhook-deliveries.repository';

/**
 * Delivers the outbox: finds endpoints with due deliveries, claims as many as each may take (its circuit,
 * the per-endpoint and per-process limits), and runs the attempts outside any transaction. It polls, and
 * looks again as soon as an attempt ends (the next event of that order may now go). Started when the
 * application has booted; on shutdown it claims nothing more and waits for the attempts in flight.
 */
@Injectable()
export class WebhookDispatcher implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Webhooks');
  private readonly endpoints = new Map<string, EndpointDeliveryState>();
  private readonly inFlight = new Set<Promise<void>>();
  private timer?: NodeJS.Timeout;
  private polling?: Promise<void>;
  private pollAgain = false;
  private stopped = true;
  private lastExpiry = 0;

  constructor(
    @Inject(WEBHOOKS_OPTIONS) private readonly options: ResolvedWebhooksOptions,
    private readonly deliveries: WebhookDeliveries,
    private readonly attempts: WebhookAttempts,
    @InjectMetric(WEBHOOK_METRICS.dead) private readonly dead: Counter<'endpoint'>,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.options.delivery.enabled) return;
    this.stopped = false;
    this.wake();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.polling;
    await Promise.allSettled([...this.inFlight]);
  }

  /** This process's view of each endpoint it delivered to (circuit, in flight, outcomes, failures). */
  endpointStates(): ReadonlyMap<string, EndpointDeliveryState> {
    return this.endpoints;
  }

  /** Looks for due deliveries now (after an attempt, or on start). */
  wake(): void {
    if (this.polling) {
      this.pollAgain = true;
      return;
    }
    this.schedule(0);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.runPoll(), delayMs);
    this.timer.unref();
  }

  private runPoll(): void {
    this.pollAgain = false;
    this.polling = this.poll()
      .catch((error: unknown) => this.logger.warn(`webhook dispatcher could not poll: ${String(error)}`))
      .finally(() => {
        this.polling = undefined;
        this.schedule(this.pollAgain ? 0 : this.options.delivery.pollIntervalMs);
      });
  }

  private async poll(): Promise<void> {
    const { delivery } = this.options;
    await this.expireIfDue();
    if (this.inFlight.size >= delivery.maxInFlight) return;
    for (const endpointId of await this.deliveries.dueEndpoints()) {
      if (this.stopped) return;
      const endpoint = this.endpointState(endpointId);
      const allowance = Math.min(
        endpoint.circuit.allowance(endpoint.inFlight, delivery.concurrencyPerEndpoint),
        delivery.maxInFlight - this.inFlight.size,
      );
      if (allowance <= 0) continue;
      const claimedDeliveries = await this.deliveries.claim(
        endpointId,
        allowance,
        delivery.leaseMs,
        this.options.signing.legacySignaturesUntil,
      );
      for (const claimed of claimedDeliveries) {
        endpoint.inFlight += 1;
        const attempt = this.attempts.deliver(claimed, endpoint).finally(() => {
          endpoint.inFlight -= 1;
          this.inFlight.delete(attempt);
          this.wake();
        });
        this.inFlight.add(attempt);
      }
    }
  }

  /**
   * Gives up deliveries past the maximum age that are not being retried (their endpoint's circuit stays
   * open everywhere), at most once a second. The grace lets a due last attempt be made first.
   */
  private async expireIfDue(): Promise<void> {
    const { pollIntervalMs, retry } = this.options.delivery;
    if (Date.now() - this.lastExpiry < 1_000) return;
    this.lastExpiry = Date.now();
    const expired = await this.deliveries.expire(retry.maxAgeMs, Math.max(1_000, 2 * pollIntervalMs));
    for (const row of expired) {
      this.dead.inc({ endpoint: row.endpoint_id });
      this.logger.error({
        message: `giving up event ${row.event_id} for endpoint ${row.endpoint_id} after ${row.attempts} attempt(s): older than ${retry.maxAgeMs} ms${row.last_error ? ` (last error: ${row.last_error})` : ''}`,
        [ATTR.eventId]: row.event_id,
        [ATTR.endpointId]: row.endpoint_id,
        [ATTR.attempt]: row.attempts,
      });
    }
  }

  private endpointState(endpointId: string): EndpointDeliveryState {
    let state = this.endpoints.get(endpointId);
    if (!state) {
      const { circuitFailureThreshold: threshold, circuitCooldownMs: cooldownMs } = this.options.delivery;
      state = new EndpointDeliveryState(endpointId, { threshold, cooldownMs });
      this.endpoints.set(endpointId, state);
      this.attempts.startCounting(endpointId);
    }
    return state;
  }
}
