import { Module, type DynamicModule } from '@nestjs/common';
import { webhookIngressMetricProviders } from '../webhook.metrics';
import {
  WEBHOOK_SERIES_OPTIONS,
  WebhookSeriesPruning,
  type WebhookSeriesOptions,
} from '../webhook-series-pruning';
import { WebhookOutbox } from './webhook-outbox';

/**
 * The outbox for a module whose transactions cause webhook events (the order domain, in the API, the
 * worker and the jobs alike); delivery is `WebhooksModule`'s, in the API. Every process that has it also
 * drops the series of deleted endpoints from its `/metrics`.
 */
@Module({})
export class WebhookOutboxModule {
  static forRoot(options: WebhookSeriesOptions = {}): DynamicModule {
    return {
      module: WebhookOutboxModule,
      providers: [
        ...webhookIngressMetricProviders,
        { provide: WEBHOOK_SERIES_OPTIONS, useValue: options },
        WebhookOutbox,
        WebhookSeriesPruning,
      ],
      exports: [WebhookOutbox],
    };
  }
}
