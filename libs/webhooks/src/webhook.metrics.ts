import { makeDatabaseGaugeProvider } from '@app/database';
import { makeCounterProvider, makeHistogramProvider, type Gauge } from '@app/observability';
import type { Provider } from '@nestjs/common';
import { WebhookDeliveries } from './delivery/webhook-deliveries.repository';
import { WEBHOOK_LABELS, WEBHOOK_LATENCY_BUCKETS, WEBHOOK_METRICS } from './webhook-telemetry.names';

const { endpoint, result, code } = WEBHOOK_LABELS;

/** Counted by whichever process commits the change that writes the event (API or worker). */
export const webhookIngressMetricProviders: Provider[] = [
  makeCounterProvider({
    name: WEBHOOK_METRICS.events,
    help: 'Webhook events written to the outbox for an endpoint (one per event and subscribing endpoint)',
    labelNames: [endpoint],
  }),
];

/** Recorded by the dispatcher of the process that made the attempt. */
export const webhookDeliveryMetricProviders: Provider[] = [
  makeCounterProvider({
    name: WEBHOOK_METRICS.attempts,
    help: 'Webhook delivery attempts by endpoint and result: success (2xx), failure (another answer), error (no answer)',
    labelNames: [endpoint, result],
  }),
  makeCounterProvider({
    name: WEBHOOK_METRICS.responses,
    help: 'Answers to webhook delivery attempts by endpoint and HTTP status code',
    labelNames: [endpoint, code],
  }),
  makeHistogramProvider({
    name: WEBHOOK_METRICS.latency,
    help: 'Time from a webhook event being written to its delivery, in seconds, by endpoint',
    labelNames: [endpoint],
    buckets: WEBHOOK_LATENCY_BUCKETS,
  }),
  makeCounterProvider({
    name: WEBHOOK_METRICS.dead,
    help: 'Webhook events given up for an endpoint (refused with a 4xx, or older than the maximum age)',
    labelNames: [endpoint],
  }),
  makeHistogramProvider({
    name: WEBHOOK_METRICS.requestDuration,
    help: 'Duration of each webhook delivery request in seconds, by endpoint and outcome (completed, failure, error)',
    labelNames: [endpoint, 'outcome'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  }),
];

/**
 * The backlog per endpoint, read from the database at scrape time (every endpoint appears, 0 when idle),
 * by the one API replica that holds the database gauges lease: the others export no series, so every
 * replica does not report the same rows. While the database cannot be read they are left out, and the
 * rest of the scrape still succeeds.
 */
export const webhookBacklogGaugeProviders: Provider[] = [
  makeDatabaseGaugeProvider({
    name: WEBHOOK_METRICS.pending,
    help: 'Webhook events not yet delivered or dead, by endpoint',
    labelNames: [endpoint],
    inject: [WebhookDeliveries],
    async collect(this: Gauge<'endpoint'>, deliveries: WebhookDeliveries) {
      const backlog = await deliveries.backlog().catch(() => []);
      this.reset();
      for (const row of backlog) this.set({ endpoint: row.endpointId }, row.pending);
    },
  }),
  makeDatabaseGaugeProvider({
    name: WEBHOOK_METRICS.oldestPendingAge,
    help: 'Seconds since the oldest pending webhook event of an endpoint was written (or redelivered); 0 when none',
    labelNames: [endpoint],
    inject: [WebhookDeliveries],
    async collect(this: Gauge<'endpoint'>, deliveries: WebhookDeliveries) {
      const backlog = await deliveries.backlog().catch(() => []);
      this.reset();
      for (const row of backlog) this.set({ endpoint: row.endpointId }, row.oldestPendingAgeSeconds);
    },
  }),
];
