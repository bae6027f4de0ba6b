import { loadApiConfig } from './api.config';

describe('webhook signing settings', () => {
  it('default to a 24 h rotation grace and each endpoint its own end of the former signature', () => {
    expect(loadApiConfig({}).webhooks.signing).toEqual({
      rotationGraceMs: 24 * 3_600_000,
      legacySignaturesUntil: null,
    });
  });

  it('take the grace and a common end of the former signature from the environment', () => {
    expect(
      loadApiConfig({
        WEBHOOK_SECRET_ROTATION_GRACE_MS: '0',
        WEBHOOK_LEGACY_SIGNATURES_UNTIL: '2027-01-31T00:00:00+01:00',
      }).webhooks.signing,
    ).toEqual({ rotationGraceMs: 0, legacySignaturesUntil: new Date('2027-01-30T23:00:00Z') });
  });

  it.each([
    ['WEBHOOK_SECRET_ROTATION_GRACE_MS', '-1'],
    ['WEBHOOK_SECRET_ROTATION_GRACE_MS', String(31 * 24 * 3_600_000)],
    ['WEBHOOK_LEGACY_SIGNATURES_UNTIL', 'next month'],
    ['WEBHOOK_LEGACY_SIGNATURES_UNTIL', '2027-01-31'],
    ['WEBHOOK_LEGACY_SIGNATURES_UNTIL', '2027-02-31T00:00:00Z'],
  ])('names %s=%s as invalid', (name, value) => {
    expect(() => loadApiConfig({ [name]: value })).toThrow(name);
  });
});
