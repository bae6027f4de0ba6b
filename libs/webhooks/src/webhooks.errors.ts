export class WebhookEndpointNotFoundError extends Error {
  override readonly name = 'WebhookEndpointNotFoundError';
  constructor(readonly endpointId: string) {
    super(`webhook endpoint ${endpointId} not found`);
  }
}

export class WebhookDeliveryNotFoundError extends Error {
  override readonly name = 'WebhookDeliveryNotFoundError';
  constructor(
    readonly endpointId: string,
    readonly eventId: string,
  ) {
    super(`event ${eventId} was never sent to webhook endpoint ${endpointId}`);
  }
}

/** A redelivery of an event that is still pending: it is being delivered already. */
export class WebhookDeliveryPendingError extends Error {
  override readonly name = 'WebhookDeliveryPendingError';
  constructor(
    readonly endpointId: string,
    readonly eventId: string,
  ) {
    super(`event ${eventId} is still pending for webhook endpoint ${endpointId}: it will be delivered`);
  }
}
