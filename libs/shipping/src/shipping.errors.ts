export class CarrierUnavailableError extends Error {
  override readonly name = 'CarrierUnavailableError';
  constructor(message = 'carrier unavailable') {
    super(message);
  }
}
