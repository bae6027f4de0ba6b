import type { LookupFunction } from 'node:net';
import {
  annotateActiveSpan,
  currentTraceCarrier,
  InjectMetric,
  OperationTelemetry,
  type Counter,
  type Histogram,
} from '@app/observability';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { nextAttemptDelayMs, RETRY_AFTER_STATUSES, verdictOf } from '../webhook-retry';
import {
  WEBHOOK_ATTRIBUTES as ATTR,
  WEBHOOK_DELIVER_SPAN,
  WEBHOOK_METRICS,
  WEBHOOK_TRACER,
  type AttemptResult,
} from '../webhook-telemetry.names';
import { WEBHOOKS_OPTIONS, type ResolvedWebhooksOptions } from '../webhooks.options';
import type { EndpointDeliveryState } from './endpoint-delivery-state';
import { guardedLookup } from './guarded-lookup';
import { WebhookDeliveries } from './webhook-deliveries.repository';
import type { ClaimedDelivery } from './webhook-delivery.types';
import { describeStatus, postWebhook } from './webhook-http-client';
import { webhookRequest } from './webhook-request';

/** Ends the delivery span with status ERROR when an attempt did not deliver (after it was recorded). */
class AttemptFailed extends Error {
  constructor(
    readonly result: Exclude<AttemptResult, 'success'>,
    message: string,
  ) {
    super(message);
  }
}

const inSeconds = (ms: number) =>
  ms < 60_000 ? `${(ms / 1000).toFixed(1)}s` : `${Math.round(ms / 60_000)}m`;

/**
 * One delivery attempt, observed: a `webhook.deliver` CLIENT span continuing the trace of the order change
 * that wrote the event, the request, its result written back (delivered, due again, or dead), the
 * per-endpoint metrics of a notification endpoint and one ECS log line carrying the event id, endpoint id, attempt and
 * trace id.
 */
@Injectable()
export class WebhookAttempts {
  private readonly logger = new Logger('Webhooks');
  private readonly telemetry: OperationTelemetry;
  private readonly lookup: LookupFunction;

  constructor(
    @Inject(WEBHOOKS_OPTIONS) private readonly options: ResolvedWebhooksOptions,
    private readonly deliveries: WebhookDeliveries,
    @InjectMetric(WEBHOOK_METRICS.attempts) private readonly attempts: Counter<'endpoint' | 'result'>,
    @InjectMetric(WEBHOOK_METRICS.responses) private readonly responses: Counter<'endpoint' | 'code'>,
    @InjectMetric(WEBHOOK_METRICS.latency) private readonly latency: Histogram<'endpoint'>,
    @InjectMetric(WEBHOOK_METRICS.dead) private readonly dead: Counter<'endpoint'>,
    @InjectMetric(WEBHOOK_METRICS.requestDuration) durations: Histogram<string>,
  ) {
    this.telemetry = new OperationTelemetry({
      tracerName: WEBHOOK_TRACER,
      durations,
      outcomeOf: (error) => (error instanceof AttemptFailed ? error.result : undefined),
    });
    this.lookup = guardedLookup(options.urlPolicy.allowedHosts);
  }

  /**
   * Starts an endpoint's outcome counters at 0, so that the first failure or dead event is an increase
   * Prometheus sees (a counter that appears at 1 has no rate).
   */
  startCounting(endpointId: string): void {
    for (const result of ['success', 'failure', 'error'] as const)
      this.attempts.inc({ endpoint: endpointId, result }, 0);
    this.dead.inc({ endpoint: endpointId }, 0);
  }

  async deliver(delivery: ClaimedDelivery, endpoint: EndpointDeliveryState): Promise<void> {
    const url = new URL(delivery.url);
    endpoint.host = url.host;
    try {
      await this.telemetry.run(
        {
          span: WEBHOOK_DELIVER_SPAN,
          kind: 'client',
          parent: delivery.traceCarrier,
          // Built only when the delivery is sampled: an unsampled one reads nothing from the URL.
          attributes: () => ({
            [ATTR.endpointId]: delivery.endpointId,
            [ATTR.eventId]: delivery.eventId,
            [ATTR.eventType]: delivery.type,
            [ATTR.attempt]: delivery.attempt,
            [ATTR.orderId]: delivery.orderId,
            [ATTR.method]: 'POST',
            [ATTR.serverAddress]: url.hostname,
            [ATTR.serverPort]: Number(url.port) || (url.protocol === 'https:' ? 443 : 80),
          }),
          durationLabels: { endpoint: delivery.endpointId },
        },
        () => this.attempt(delivery, endpoint, url),
      );
    } catch (error) {
      if (error instanceof AttemptFailed) return;
      // The result could not be written (database unavailable): the lease runs out and it is tried again.
      this.logger.error({
        message: `delivery of event ${delivery.eventId} to endpoint ${delivery.endpointId} not recorded: ${String(error)}`,
        ...this.fields(delivery),
      });
    }
  }

  private async attempt(delivery: ClaimedDelivery, endpoint: EndpointDeliveryState, url: URL): Promise<void> {
    const { delivery: settings } = this.options;
    const request = webhookRequest(delivery, {
      userAgent: settings.userAgent,
      traceCarrier: currentTraceCarrier(),
    });
    const call = await postWebhook(url, request.body, request.headers, {
      timeoutMs: settings.timeoutMs,
      allowedHosts: this.options.urlPolicy.allowedHosts,
      lookup: this.lookup,
    });
    const statusCode = 'status' in call ? call.status : undefined;
    const result: AttemptResult =
      statusCode === undefined ? 'error' : statusCode >= 200 && statusCode < 300 ? 'success' : 'failure';
    const labels = { endpoint: delivery.endpointId };
    this.attempts.inc({ ...labels, result });
    if (statusCode !== undefined) {
      this.responses.inc({ ...labels, code: String(statusCode) });
    }
    annotateActiveSpan(() =>
      statusCode === undefined
        ? { [ATTR.result]: result }
        : { [ATTR.statusCode]: statusCode, [ATTR.result]: result },
    );
    const verdict = verdictOf(statusCode);
    // Honoured on 429 and 503 only, and then said in the error (which the log line and the delivery show).
    const retryAfter =
      'retryAfter' in call && RETRY_AFTER_STATUSES.includes(call.status) ? call.retryAfter : undefined;
    const error =
      'error' in call
        ? call.error
        : `HTTP ${describeStatus(statusCode!)}${retryAfter ? ` (Retry-After: ${retryAfter.slice(0, 40)})` : ''}`;
    const circuitChanged = endpoint.recordAttempt(result, {
      eventId: delivery.eventId,
      attempt: delivery.attempt,
      statusCode,
      error,
      retryable: verdict === 'retry',
    });
    const fields = { ...this.fields(delivery), ...(statusCode ? { [ATTR.statusCode]: statusCode } : {}) };

    if (verdict === 'delivered') {
      const latency = await this.deliveries.delivered(delivery, statusCode!);
      if (latency !== null) this.latency.observe(labels, latency);
      this.logger.log({
        message: `delivered event ${delivery.eventId} (${delivery.type}) to endpoint ${delivery.endpointId}: ${describeStatus(statusCode!)}, attempt ${delivery.attempt}`,
        ...fields,
      });
    } else {
      const outcome = await this.deliveries.failed(delivery, {
        statusCode,
        error,
        giveUp: verdict === 'dead',
        retryDelayMs: nextAttemptDelayMs(delivery.attempt, settings.retry, {
          status: statusCode,
          retryAfter,
        }),
        maxAgeMs: settings.retry.maxAgeMs,
      });
      if (outcome?.status === 'dead') {
        this.dead.inc(labels);
        this.logger.error({
          message: `giving up event ${delivery.eventId} (${delivery.type}) for endpoint ${delivery.endpointId} after ${delivery.attempt} attempt(s): ${error}`,
          ...fields,
        });
      } else {
        // One warning per failed event, like a retrying sink's "connection refused, retrying".
        this.logger.warn({
          message: `error delivering event ${delivery.eventId} to endpoint ${delivery.endpointId}: ${error}, ${
            outcome ? `retrying in ${inSeconds(outcome.retryInMs)}` : 'attempt no longer current'
          }`,
          ...fields,
        });
      }
    }
    if (circuitChanged) this.logCircuit(endpoint);
    if (result !== 'success') throw new AttemptFailed(result, error);
  }

  private logCircuit(endpoint: EndpointDeliveryState): void {
    const { circuit, endpointId } = endpoint;
    const fields = { [ATTR.endpointId]: endpointId, 'webhook.circuit': circuit.state };
    if (circuit.state === 'open')
      this.logger.warn({
        message: `circuit of endpoint ${endpointId} open after ${circuit.consecutiveFailures} consecutive failures: its deliveries wait ${inSeconds(this.options.delivery.circuitCooldownMs)} for a probe`,
        ...fields,
      });
    else this.logger.log({ message: `circuit of endpoint ${endpointId} ${circuit.state}`, ...fields });
  }

  private fields(delivery: ClaimedDelivery) {
    return {
      [ATTR.eventId]: delivery.eventId,
      [ATTR.eventType]: delivery.type,
      [ATTR.endpointId]: delivery.endpointId,
      [ATTR.attempt]: delivery.attempt,
      [ATTR.orderId]: delivery.orderId,
    };
  }
}
