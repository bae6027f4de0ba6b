import { Module } from '@nestjs/common';
import { WebhookRetentionRepository } from './webhook-retention.repository';
import { WebhookRetention } from './webhook-retention.service';

/** The retention of webhook deliveries and events, for the batch jobs (needs `DatabaseModule`). */
@Module({
  providers: [WebhookRetentionRepository, WebhookRetention],
  exports: [WebhookRetention],
})
export class WebhookRetentionModule {}
