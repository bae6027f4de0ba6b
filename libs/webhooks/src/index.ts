export { WEBHOOKS_DEBUG_SECTION, WebhooksDebugView } from './debug/webhooks-debug-view';
export { CircuitBreaker } from './delivery/circuit-breaker';
export type { CircuitState } from './delivery/circuit-breaker';
export { guardedLookup } from './delivery/guarded-lookup';
export { WebhookDeliveries } from './delivery/webhook-deliveries.repository';
export { DELIVERY_STATUSES } from './delivery/webhook-delivery.types';
export type { DeliveryStatus, DeliveryView, EndpointBacklog } from './delivery/webhook-delivery.types';
export { WebhookDispatcher } from './delivery/webhook-dispatcher.service';
export { postWebhook } from './delivery/webhook-http-client';
export type { WebhookCallResult } from './delivery/webhook-http-client';
export { WEBHOOK_HEADERS, webhookRequest } from './delivery/webhook-request';
export type {
  RegisteredWebhookEndpoint,
  RotatedWebhookSecret,
  WebhookEndpoint,
  WebhookEndpointChanges,
  WebhookEndpointInput,
} from './endpoints/webhook-endpoint';
export { WebhookEndpoints } from './endpoints/webhook-endpoints.service';
export {
  generateWebhookSecret,
  WEBHOOK_SECRET_BYTES,
  WEBHOOK_SECRET_PREFIX,
  webhookSecretKey,
} from './endpoints/webhook-secret';
export { LEGACY_SIGNATURE_HEADER } from './legacy-signature';
export { WebhookOutbox } from './outbox/webhook-outbox';
export { ENQUEUE_EVENT_SQL } from './outbox/webhook-outbox.sql';
export type { OutboxEvent } from './outbox/webhook-outbox';
export { WebhookOutboxModule } from './outbox/webhook-outbox.module';
export { WebhookRetentionModule } from './retention/webhook-retention.module';
export { WebhookRetentionRepository } from './retention/webhook-retention.repository';
export { WebhookRetention } from './retention/webhook-retention.service';
export { PURGE_FROM_OLDEST } from './retention/webhook-retention.types';
export type {
  WebhookEventSweepBatch,
  WebhookPurgeBatch,
  WebhookPurgeCursor,
  WebhookRetentionOverdue,
  WebhookRetentionPolicy,
} from './retention/webhook-retention.types';
export { WebhookSeriesPruning, type WebhookSeriesOptions } from './webhook-series-pruning';
export { WEBHOOK_EVENT_TYPES } from './webhook-events';
export type { WebhookEventType, WebhookPayload } from './webhook-events';
export {
  DEFAULT_RETRY_POLICY,
  nextAttemptDelayMs,
  parseRetryAfter,
  RETRY_AFTER_STATUSES,
  retryDelayMs,
  verdictOf,
} from './webhook-retry';
export type { AttemptVerdict, RetryPolicy } from './webhook-retry';
export {
  DEFAULT_SIGNATURE_TOLERANCE_S,
  SIGNATURE_HEADER,
  signWebhook,
  webhookSignatures,
} from './webhook-signature';
export type { SignedContent } from './webhook-signature';
export {
  WEBHOOK_ATTRIBUTES,
  WEBHOOK_DELIVER_SPAN,
  WEBHOOK_LATENCY_BUCKETS,
  WEBHOOK_METRICS,
} from './webhook-telemetry.names';
export type { AttemptResult } from './webhook-telemetry.names';
export {
  checkWebhookUrl,
  checkWebhookUrlForm,
  isForbiddenAddress,
  WebhookUrlRefusedError,
} from './webhook-url-policy';
export type { WebhookUrlPolicy } from './webhook-url-policy';
export {
  WebhookDeliveryNotFoundError,
  WebhookDeliveryPendingError,
  WebhookEndpointNotFoundError,
} from './webhooks.errors';
export { WebhooksModule } from './webhooks.module';
export { WEBHOOK_DELIVERY_DEFAULTS, WEBHOOK_SIGNING_DEFAULTS } from './webhooks.options';
export type {
  WebhookDeliveryOptions,
  WebhookSigningOptions,
  WebhooksModuleOptions,
} from './webhooks.options';
