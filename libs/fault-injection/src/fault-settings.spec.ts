import { activeFaults, applyOverrides, HEALTHY_SETTINGS, sanitizeOverrides } from './fault-settings';

describe('fault settings', () => {
  it('reports nothing for a healthy system and each fault by name', () => {
    expect(activeFaults(HEALTHY_SETTINGS)).toEqual([]);
    const all = applyOverrides(HEALTHY_SETTINGS, {
      payment: { declineRate: 0.1, outage: true, latencyMs: 51 },
      carrier: { failureRate: 0.5, latencyMs: 2000 },
      database: { latencyMs: 10 },
    });
    expect(activeFaults(all)).toEqual([
      'payment_decline',
      'payment_outage',
      'payment_latency',
      'carrier_failure',
      'carrier_latency',
      'database_latency',
    ]);
    // Latency no higher than the simulators' normal one, or affecting no statement, is not a fault.
    expect(
      activeFaults(
        applyOverrides(HEALTHY_SETTINGS, {
          payment: { latencyMs: 5 },
          database: { latencyMs: 100, ratio: 0 },
        }),
      ),
    ).toEqual([]);
  });

  it('applies overrides field by field on top of the baseline', () => {
    const baseline = applyOverrides(HEALTHY_SETTINGS, { payment: { declineRate: 0.2, latencyMs: 10 } });
    expect(applyOverrides(baseline, { payment: { outage: true } }).payment).toEqual({
      declineRate: 0.2,
      latencyMs: 10,
      outage: true,
    });
  });

  it('keeps only well-formed stored fields', () => {
    expect(
      sanitizeOverrides({
        payment: { declineRate: 3, outage: 'true', latencyMs: 20, extra: 1 },
        carrier: { failureRate: 0.5, latencyMs: 1.5 },
        database: null,
        unknown: { latencyMs: 1 },
      }),
    ).toEqual({ payment: { latencyMs: 20 }, carrier: { failureRate: 0.5 } });
    expect(sanitizeOverrides('{"payment":{}}')).toEqual({});
    expect(sanitizeOverrides(null)).toEqual({});
  });
});
