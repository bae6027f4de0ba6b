import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Carrier, ShipmentRequest } from './carrier.port';
import { CarrierUnavailableError } from './shipping.errors';

export interface SimulatedCarrierSettings {
  /** Delay of every booking, in milliseconds. @default 50 */
  latencyMs: number;
  /** Share of bookings that fail (transiently), 0..1. @default 0 */
  failureRate: number;
}

export const SIMULATED_CARRIER_DEFAULTS: SimulatedCarrierSettings = { latencyMs: 50, failureRate: 0 };

/** A carrier that books parcels after a delay, fails at a set rate, and is idempotent per key. */
export class SimulatedCarrier implements Carrier {
  readonly name = 'SIM-EXPRESS';
  private readonly bookings = new Map<string, string>();
  private settings: SimulatedCarrierSettings;

  constructor(
    settings: Partial<SimulatedCarrierSettings> = {},
    private readonly random: () => number = Math.random,
  ) {
    this.settings = { ...SIMULATED_CARRIER_DEFAULTS, ...settings };
  }

  configure(patch: Partial<SimulatedCarrierSettings>): SimulatedCarrierSettings {
    this.settings = { ...this.settings, ...patch };
    return { ...this.settings };
  }

  current(): SimulatedCarrierSettings {
    return { ...this.settings };
  }

  async createShipment(request: ShipmentRequest): Promise<{ trackingNumber: string }> {
    if (this.settings.latencyMs > 0) await sleep(this.settings.latencyMs);
    const known = this.bookings.get(request.idempotencyKey);
    if (known) return { trackingNumber: known };
    if (this.random() < this.settings.failureRate)
      throw new CarrierUnavailableError('simulated carrier failure');
    const trackingNumber = `SIM${randomBytes(6).toString('hex').toUpperCase()}`;
    this.bookings.set(request.idempotencyKey, trackingNumber);
    return { trackingNumber };
  }
}
