import { Histogram, Registry } from 'prom-client';
import type { Carrier, ShipmentRequest } from './carrier.port';
import { CarrierUnavailableError } from './shipping.errors';
import type { ShippingRepository } from './shipping.repository';
import { ShippingService } from './shipping.service';

/** A carrier whose next outcome the test sets, and which keeps every request it was sent. */
class FakeCarrier implements Carrier {
  readonly name = 'FAKE-POST';
  readonly requests: ShipmentRequest[] = [];
  next: { trackingNumber: string } | Error = { trackingNumber: 'TRACK-1' };

  async createShipment(request: ShipmentRequest): Promise<{ trackingNumber: string }> {
    this.requests.push(request);
    if (this.next instanceof Error) throw this.next;
    return this.next;
  }
}

const address = {
  name: 'Ada Lovelace',
  line1: '12 St James Square',
  city: 'London',
  postalCode: 'SW1Y 4JH',
  country: 'GB',
};
const parcels = [{ sku: 'SKU-1', quantity: 2 }];

describe('ShippingService (fake carrier)', () => {
  const registry = new Registry();
  const arrangement = new Histogram({
    name: 'shipping_arrangement_seconds',
    help: 'test',
    labelNames: ['outcome'],
    registers: [registry],
  });
  let carrier: FakeCarrier;
  let service: ShippingService;

  const observations = async (outcome: string) =>
    (await arrangement.get()).values.find(
      (v) => v.metricName === 'shipping_arrangement_seconds_count' && v.labels.outcome === outcome,
    )?.value ?? 0;

  beforeEach(() => {
    registry.resetMetrics();
    carrier = new FakeCarrier();
    service = new ShippingService({} as ShippingRepository, carrier, arrangement);
  });

  it("books with the idempotency key order-<id> and answers the carrier's booking", async () => {
    carrier.next = { trackingNumber: 'TRACK-42' };

    await expect(service.book('o-42', { address, parcels })).resolves.toEqual({
      orderId: 'o-42',
      carrier: 'FAKE-POST',
      trackingNumber: 'TRACK-42',
    });
    expect(carrier.requests).toEqual([{ idempotencyKey: 'order-o-42', address, parcels }]);
  });

  it('sends the same idempotency key when the booking is tried again', async () => {
    carrier.next = new CarrierUnavailableError();
    await expect(service.book('o-1', { address, parcels })).rejects.toThrow(CarrierUnavailableError);
    carrier.next = { trackingNumber: 'TRACK-1' };
    await service.book('o-1', { address, parcels });

    expect(carrier.requests.map((r) => r.idempotencyKey)).toEqual(['order-o-1', 'order-o-1']);
  });

  it('times a booking with the outcome booked', async () => {
    await service.book('o-1', { address, parcels });

    expect(await observations('booked')).toBe(1);
    expect(await observations('failed')).toBe(0);
  });

  it('times a failed booking with the outcome failed and throws the carrier error as it is', async () => {
    const unavailable = new CarrierUnavailableError('carrier down');
    carrier.next = unavailable;

    await expect(service.book('o-1', { address, parcels })).rejects.toBe(unavailable);

    expect(await observations('failed')).toBe(1);
    expect(await observations('booked')).toBe(0);
  });
});
