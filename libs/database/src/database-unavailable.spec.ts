import { isDatabaseUnavailable } from './database-unavailable';

describe('isDatabaseUnavailable', () => {
  it.each([
    [{ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:5432' }],
    [{ code: '57P01', message: 'terminating connection due to administrator command' }],
    [{ code: '55000', message: 'database "x" is not currently accepting connections' }],
    [{ code: '08006', message: 'connection failure' }],
    [new Error('timeout exceeded when trying to connect')],
    [{ message: 'Query failed', driverError: { code: '57P03' } }],
  ])('recognizes %j', (error) => {
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it.each([
    [{ code: '23505', message: 'duplicate key value' }],
    [{ code: '42P01', message: 'relation does not exist' }],
    [new TypeError('x is undefined')],
    [undefined],
  ])('does not mistake %j for an outage', (error) => {
    expect(isDatabaseUnavailable(error)).toBe(false);
  });
});
