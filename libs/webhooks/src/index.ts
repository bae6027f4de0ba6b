export { WEBHOOK_EVENT_TYPES } from './webhook-events';
export type { WebhookEventType, WebhookPayload } from './webhook-events';
export { DEFAULT_RETRY_POLICY, retryDelayMs, verdictOf } from './webhook-retry';
export type { AttemptVerdict, RetryPolicy } from './webhook-retry';
export {
  DEFAULT_SIGNATURE_TOLERANCE_S,
  SIGNATURE_HEADER,
  signWebhook,
  verifyWebhookSignature,
} from './webhook-signature';
export {
  checkWebhookUrl,
  checkWebhookUrlForm,
  isForbiddenAddress,
  WebhookUrlRefusedError,
} from './webhook-url-policy';
export type { WebhookUrlPolicy } from './webhook-url-policy';
