import { requestScopeOf } from '@app/observability/http/request-scope';
import { OrderNotFoundError, WorkflowEngineUnavailableError } from '@app/orders';
import { HttpException, Logger, NotFoundException, type ArgumentsHost } from '@nestjs/common';
import { ApiError } from './api-error';
import { ApiExceptionFilter, failureOutcomeOf, problemOf } from './api-exception.filter';

const BASE = 'https://docs.shop.test/errors/';
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';

/** What the filter wrote on a Fastify reply. */
class RecordingReply {
  statusCode = 200;
  readonly headers = new Map<string, string>();
  payload: Buffer | undefined;

  hasHeader(name: string) {
    return this.headers.has(name.toLowerCase());
  }
  header(name: string, value: string) {
    this.headers.set(name.toLowerCase(), value);
    return this;
  }
  status(code: number) {
    this.statusCode = code;
    return this;
  }
  send(payload: Buffer) {
    this.payload = payload;
    return this;
  }
  get body() {
    return JSON.parse(this.payload!.toString('utf8'));
  }
}

function answer(
  exception: unknown,
  request: { url: string; headers: Record<string, string> } = { url: '/orders', headers: {} },
  reply = new RecordingReply(),
) {
  const host = {
    switchToHttp: () => ({ getRequest: () => request, getResponse: () => reply }),
  } as unknown as ArgumentsHost;
  new ApiExceptionFilter(BASE).catch(exception, host);
  return reply;
}

describe('ApiExceptionFilter: every error as problem details', () => {
  let logged: jest.SpyInstance;
  beforeEach(() => {
    logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  });
  afterEach(() => logged.mockRestore());

  it('answers an ApiError with its status, code, detail and field problems, as problem+json', () => {
    const reply = answer(
      new ApiError(400, 'VALIDATION_FAILED', 'The request is not valid', [
        { field: 'items.0.quantity', message: 'must not be less than 1' },
      ]),
      { url: '/orders?limit=5', headers: {} },
    );
    expect(reply.statusCode).toBe(400);
    expect(reply.headers.get('content-type')).toBe('application/problem+json');
    expect(reply.body).toEqual({
      type: `${BASE}validation-failed`,
      title: 'Invalid request',
      status: 400,
      detail: 'The request is not valid',
      instance: '/orders',
      code: 'VALIDATION_FAILED',
      errors: [{ field: 'items.0.quantity', message: 'must not be less than 1' }],
    });
    expect(logged).not.toHaveBeenCalled();
  });

  it('labels the same body application/json when Accept names only application/json', () => {
    const asJson = answer(new OrderNotFoundError('o-1'), {
      url: '/orders/o-1',
      headers: { accept: 'application/json' },
    });
    const asProblem = answer(new OrderNotFoundError('o-1'), {
      url: '/orders/o-1',
      headers: { accept: '*/*' },
    });
    expect(asJson.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(asProblem.headers.get('content-type')).toBe('application/problem+json');
    expect(asJson.body).toEqual(asProblem.body);
    expect(asJson.body).toMatchObject({ status: 404, code: 'ORDER_NOT_FOUND', title: 'Order not found' });
  });

  it('names the trace of a traced request, and no trace otherwise', () => {
    const traced = { url: '/orders', headers: {} };
    requestScopeOf(traced).traceId = TRACE_ID;
    expect(answer(new OrderNotFoundError('o-1'), traced).body.traceId).toBe(TRACE_ID);
    expect(answer(new OrderNotFoundError('o-1')).body).not.toHaveProperty('traceId');
  });

  it('keeps the challenge and the Retry-After set before the error was thrown', () => {
    const reply = new RecordingReply()
      .header('www-authenticate', 'Bearer realm="orders", error="invalid_token"')
      .header('retry-after', '12');
    answer(new ApiError(503, 'AUTHENTICATION_UNAVAILABLE', 'retry shortly'), undefined, reply);
    expect(reply.headers.get('www-authenticate')).toBe('Bearer realm="orders", error="invalid_token"');
    expect(reply.headers.get('retry-after')).toBe('12');
  });

  it('adds a Retry-After to a 503 that has none, and logs it', () => {
    const reply = answer(new WorkflowEngineUnavailableError('o-1'));
    expect(reply.statusCode).toBe(503);
    expect(reply.headers.get('retry-after')).toBe('5');
    expect(reply.body).toMatchObject({
      code: 'WORKFLOW_ENGINE_UNAVAILABLE',
      title: 'Workflow engine unavailable',
    });
    expect(logged).toHaveBeenCalledTimes(1);
  });

  it('answers an unexpected error with a 500 that shows nothing of it', () => {
    const error = new TypeError("Cannot read properties of undefined (reading 'sku') SELECT * FROM orders");
    const reply = answer(error);
    expect(reply.statusCode).toBe(500);
    expect(reply.body).toEqual({
      type: `${BASE}internal-error`,
      title: 'Internal error',
      status: 500,
      detail: 'An unexpected error occurred',
      instance: '/orders',
      code: 'INTERNAL_ERROR',
    });
    expect(reply.payload!.toString()).not.toMatch(/sku|SELECT|TypeError/);
    expect(logged).toHaveBeenCalledWith(expect.stringContaining('TypeError'));
  });
});

describe('problemOf: what an error is answered with', () => {
  it('names unknown routes by path, without the query', () => {
    expect(problemOf(new NotFoundException('Cannot GET /nothing?card=4242424242424242'))).toEqual({
      status: 404,
      code: 'ROUTE_NOT_FOUND',
      detail: 'Cannot GET /nothing',
    });
  });

  it('does not quote a body that is not JSON', () => {
    const parseError = new SyntaxError('Unexpected token \'c\', "cvv=123" is not valid JSON');
    expect(problemOf(new HttpException(parseError.message, 400, { cause: parseError }))).toEqual({
      status: 400,
      code: 'BAD_REQUEST',
      detail: 'The request body is not valid JSON',
    });
  });

  it('names Fastify’s and Nest’s errors by status, and a status without a name HTTP_<status>', () => {
    expect(problemOf(new HttpException('Request body is too large', 413))).toEqual({
      status: 413,
      code: 'PAYLOAD_TOO_LARGE',
      detail: 'Request body is too large',
    });
    expect(problemOf(new HttpException({ message: ['a', 'b'] }, 405))).toMatchObject({
      code: 'METHOD_NOT_ALLOWED',
      detail: 'a; b',
    });
    expect(problemOf(new HttpException('Not Acceptable', 406))).toEqual({
      status: 406,
      code: 'HTTP_406',
      detail: 'Not Acceptable',
    });
  });

  it('gives the handler outcome metric the code the client reads', () => {
    expect(failureOutcomeOf(new ApiError(429, 'RATE_LIMITED', 'slow down'))).toBe('RATE_LIMITED');
    expect(failureOutcomeOf(new OrderNotFoundError('o-1'))).toBe('ORDER_NOT_FOUND');
    expect(failureOutcomeOf(new Error('boom'))).toBe('INTERNAL_ERROR');
  });
});
