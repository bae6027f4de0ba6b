import { PLAIN_JSON, PROBLEM_JSON, problemMediaType } from './problem-media-type';

describe('problemMediaType: the content type of an error answer', () => {
  it.each([
    ['no Accept header', undefined],
    ['an empty one', ''],
    ['anything', '*/*'],
    ['problem details', 'application/problem+json'],
    ['any application type', 'application/*'],
    ['plain JSON and anything', 'application/json, */*'],
    ['plain JSON and any application type', 'application/json;q=1, application/*;q=0.5'],
    ['plain JSON and problem details, named later', 'application/json, application/problem+json;q=0.9'],
    ['neither JSON type', 'text/html'],
    ['upper case and spaces', ' Application/Problem+JSON ; q=1'],
    ['plain JSON refused', 'application/json;q=0'],
    ['plain JSON refused, with spaces', 'application/json ; Q = 0.000'],
  ])('answers problem details to %s', (_what, accept) => {
    expect(problemMediaType(accept)).toBe(PROBLEM_JSON);
  });

  it.each([
    ['plain JSON only', 'application/json'],
    ['plain JSON with parameters', 'application/json; charset=utf-8; q=0.8'],
    ['plain JSON in upper case', 'APPLICATION/JSON'],
    ['plain JSON next to a type that is not JSON', 'text/plain, application/json'],
    ['plain JSON, anything else refused', 'application/json, */*;q=0'],
    ['plain JSON with a low but non-zero q', 'application/json;q=0.01'],
  ])('answers the same body as application/json to %s', (_what, accept) => {
    expect(problemMediaType(accept)).toBe(PLAIN_JSON);
  });

  it('reads a header sent more than once as one list', () => {
    expect(problemMediaType(['application/json', 'text/plain'])).toBe(PLAIN_JSON);
    expect(problemMediaType(['application/json', '*/*'])).toBe(PROBLEM_JSON);
  });

  it('labels problem details without a charset, plain JSON with one', () => {
    expect(PROBLEM_JSON).toBe('application/problem+json');
    expect(PLAIN_JSON).toBe('application/json; charset=utf-8');
  });
});
