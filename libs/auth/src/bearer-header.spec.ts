import { bearerTokenFrom } from './bearer-header';
import { TokenRejectedError } from './token-rejection';

const reasonOf = (header: string | string[] | undefined) => {
  try {
    return bearerTokenFrom(header);
  } catch (error) {
    return (error as TokenRejectedError).reason;
  }
};

describe('bearerTokenFrom', () => {
  it('takes the token of `Bearer <token68>`, whatever the case of the scheme', () => {
    expect(reasonOf('Bearer abc.DEF-_.x~+/==')).toBe('abc.DEF-_.x~+/==');
    expect(reasonOf('bearer abc.def.ghi')).toBe('abc.def.ghi');
  });

  it('calls no header, an empty one or another scheme missing', () => {
    expect(reasonOf(undefined)).toBe('missing');
    expect(reasonOf('')).toBe('missing');
    expect(reasonOf('Basic dXNlcjpwYXNz')).toBe('missing');
  });

  it('calls a bearer header without one well-formed token malformed', () => {
    for (const header of [
      'Bearer',
      'Bearer ',
      'Bearer a b',
      'Bearer a,b',
      'Bearer "abc"',
      `Bearer ${'a'.repeat(9000)}`,
    ])
      expect(reasonOf(header)).toBe('malformed');
    expect(reasonOf(['Bearer a', 'Bearer b'])).toBe('malformed');
  });
});
