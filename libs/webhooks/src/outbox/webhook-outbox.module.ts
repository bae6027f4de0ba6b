import { Module } from '@nestjs/common';
import { webhookIngressMetricProviders } from '../webhook.metrics';
import { WebhookOutbox } from './webhook-outbox';

/**
 * The outbox for a module whose transactions cause webhook events (the order domain, in the API, the
 * worker and the jobs alike); delivery is `WebhooksModule`'s, in the API.
 */
@Module({
  providers: [...webhookIngressMetricProviders, WebhookOutbox],
  exports: [WebhookOutbox],
})
export class WebhookOutboxModule {}
