import { Module, type DynamicModule } from '@nestjs/common';
import { webhookIngressMetricProviders } from '../webhook.metrics';
import { WebhookOutbox } from './webhook-outbox';
import { WEBHOOK_OUTBOX_OPTIONS, type WebhookOutboxOptions } from './webhook-outbox.options';

/**
 * The outbox for a module whose transactions cause webhook events (the order domain, in the API, the
 * worker and the jobs alike); delivery is `WebhooksModule`'s, in the API.
 */
@Module({})
export class WebhookOutboxModule {
  static forRoot(options: WebhookOutboxOptions): DynamicModule {
    return {
      module: WebhookOutboxModule,
      providers: [
        { provide: WEBHOOK_OUTBOX_OPTIONS, useValue: options },
        ...webhookIngressMetricProviders,
        WebhookOutbox,
      ],
      exports: [WebhookOutbox],
    };
  }
}
