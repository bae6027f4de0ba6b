import { Module, type DynamicModule } from '@nestjs/common';
import { WebhooksDebugView } from './debug/webhooks-debug-view';
import { WebhookAttempts } from './delivery/webhook-attempts';
import { WebhookDeliveries } from './delivery/webhook-deliveries.repository';
import { WebhookDispatcher } from './delivery/webhook-dispatcher.service';
import { WebhookEndpointsRepository } from './endpoints/webhook-endpoints.repository';
import { WebhookEndpoints } from './endpoints/webhook-endpoints.service';
import { webhookBacklogGaugeProviders, webhookDeliveryMetricProviders } from './webhook.metrics';
import { resolveWebhooksOptions, WEBHOOKS_OPTIONS, type WebhooksModuleOptions } from './webhooks.options';

/**
 * Webhook endpoints and delivery, for the API: the endpoints operators manage, the dispatcher that
 * delivers the outbox (every replica runs one; they share the work through the database), the backlog
 * gauges read at scrape time and the `webhooks` section of `/debug/vars`.
 */
@Module({})
export class WebhooksModule {
  static forRoot(options: WebhooksModuleOptions): DynamicModule {
    return {
      module: WebhooksModule,
      providers: [
        { provide: WEBHOOKS_OPTIONS, useValue: resolveWebhooksOptions(options) },
        ...webhookDeliveryMetricProviders,
        ...webhookBacklogGaugeProviders,
        WebhookEndpointsRepository,
        WebhookEndpoints,
        WebhookDeliveries,
        WebhookAttempts,
        WebhookDispatcher,
        WebhooksDebugView,
      ],
      exports: [WebhookEndpoints, WebhookDeliveries, WebhookDispatcher],
    };
  }
}
