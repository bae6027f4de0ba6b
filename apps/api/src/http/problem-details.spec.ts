import { ERROR_CODES } from './error-codes';
import { problemDetails, problemOfCode } from './problem-details';
import { problemResponse } from './problem-response';

const BASE = 'https://docs.shop.test/errors/';
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';

describe('problemDetails: the body of every error answer', () => {
  it('names the code’s page, its title and the request’s path and trace', () => {
    const problem = problemOfCode('RATE_LIMITED', 'At most 60 orders per minute; retry in 12 s');
    expect(problemDetails(problem, { typeBase: BASE, url: '/orders?dryRun=1', traceId: TRACE_ID })).toEqual({
      type: 'https://docs.shop.test/errors/rate-limited',
      title: 'Too many requests',
      status: 429,
      detail: 'At most 60 orders per minute; retry in 12 s',
      instance: '/orders',
      code: 'RATE_LIMITED',
      traceId: TRACE_ID,
    });
  });

  it('lists field problems under errors, only when there are some', () => {
    const errors = [{ field: 'items.0.quantity', message: 'must not be less than 1' }];
    const withFields = problemDetails(
      problemOfCode('VALIDATION_FAILED', 'The request is not valid', errors),
      {
        typeBase: BASE,
      },
    );
    expect(withFields).toMatchObject({ status: 400, code: 'VALIDATION_FAILED', errors });
    expect(withFields.errors).not.toBe(errors); // a copy: nothing else that was on the objects
    const without = problemDetails(problemOfCode('VALIDATION_FAILED', 'The request is not valid', []), {
      typeBase: BASE,
    });
    expect(Object.keys(without)).not.toContain('errors');
  });

  it('leaves out the path and the trace id when they are not known', () => {
    const body = problemDetails(problemOfCode('HEADERS_TOO_LARGE', 'The request headers are too large'), {
      typeBase: BASE,
    });
    expect(Object.keys(body)).toEqual(['type', 'title', 'status', 'detail', 'code']);
  });

  it('answers a code without a page with about:blank and the status’s reason phrase', () => {
    expect(
      problemDetails(
        { status: 406, code: 'HTTP_406', detail: 'Not Acceptable' },
        { typeBase: BASE, url: '/x' },
      ),
    ).toEqual({
      type: 'about:blank',
      title: 'Not Acceptable',
      status: 406,
      detail: 'Not Acceptable',
      instance: '/x',
      code: 'HTTP_406',
    });
    expect(problemDetails({ status: 599, code: 'HTTP_599', detail: 'x' }, { typeBase: BASE }).title).toBe(
      'Error',
    );
  });

  it('takes the status of a code from the table', () => {
    for (const [code, { status }] of Object.entries(ERROR_CODES))
      expect(problemOfCode(code as keyof typeof ERROR_CODES, 'x').status).toBe(status);
  });
});

describe('problemResponse: the bytes and content type of an error answer', () => {
  const problem = problemOfCode('ORDER_NOT_FOUND', 'order 1 not found');

  it('is problem+json unless Accept names only plain JSON; the body is the same', () => {
    const asProblem = problemResponse(problem, { typeBase: BASE, url: '/orders/1', headers: {} });
    const asJson = problemResponse(problem, {
      typeBase: BASE,
      url: '/orders/1',
      headers: { accept: 'application/json' },
    });
    expect(asProblem.contentType).toBe('application/problem+json');
    expect(asJson.contentType).toBe('application/json; charset=utf-8');
    expect(asJson.payload.equals(asProblem.payload)).toBe(true);
    expect(JSON.parse(asProblem.payload.toString('utf8'))).toEqual({
      type: `${BASE}order-not-found`,
      title: 'Order not found',
      status: 404,
      detail: 'order 1 not found',
      instance: '/orders/1',
      code: 'ORDER_NOT_FOUND',
    });
  });

  it('is problem+json when the request could not be read', () => {
    expect(problemResponse(problem, { typeBase: BASE }).contentType).toBe('application/problem+json');
  });
});
