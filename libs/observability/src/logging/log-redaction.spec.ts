import { Writable } from 'node:stream';
import pino from 'pino';
import { resolveObservabilityOptions } from '../observability.options';
import { ecsLoggerOptions } from './logger.options';

function capture(extraRedactPaths: string[] = []) {
  const lines: Record<string, any>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()));
      done();
    },
  });
  const options = resolveObservabilityOptions({
    serviceName: 'svc',
    logging: { redactPaths: extraRedactPaths },
  });
  return { lines, logger: pino(ecsLoggerOptions(options), sink) };
}

describe('log redaction and ECS fields', () => {
  it('removes card data, passwords and tokens wherever a log call puts them (headers: see the logging e2e test)', () => {
    const { lines, logger } = capture();
    logger.info(
      {
        payment: { cardNumber: '4242424242424242', cvv: '123', brand: 'visa' },
        body: { customer: { password: 'hunter2', token: 't0k' } },
        cvv: '999',
      },
      'placing order',
    );
    const text = JSON.stringify(lines);
    for (const secret of ['4242424242424242', '"123"', 'hunter2', 't0k', '"999"']) {
      expect(text).not.toContain(secret);
    }
    expect(lines[0].payment).toEqual({ cardNumber: '[REDACTED]', cvv: '[REDACTED]', brand: 'visa' });
    expect(lines[0].body.customer).toEqual({ password: '[REDACTED]', token: '[REDACTED]' });
  });

  it('writes ECS field names with the service on every line', () => {
    const { lines, logger } = capture();
    logger.warn({ 'order.id': 'o-1' }, 'slow charge');
    expect(lines[0]).toMatchObject({
      'log.level': 'warn',
      message: 'slow charge',
      'ecs.version': expect.any(String),
      'service.name': 'svc',
      'service.version': '0.0.0',
      'service.environment': 'development',
      'order.id': 'o-1',
    });
    expect(Date.parse(lines[0]['@timestamp'])).not.toBeNaN();
  });

  it('accepts extra redaction paths from the options', () => {
    const { lines, logger } = capture(['customer.email']);
    logger.info({ customer: { email: 'ada@example.com', id: 'c-1' } }, 'x');
    expect(lines[0].customer).toEqual({ email: '[REDACTED]', id: 'c-1' });
  });

  it("removes them from arrays too, and leaves the caller's objects as they were", () => {
    const { lines, logger } = capture();
    const order = {
      lines: [{ sku: 'SKU-1', token: 'secret-1' }],
      payment: { cardNumber: '4000000000000002' },
    };
    logger.child({ 'order.id': 'o-1' }).info({ order }, 'x');
    expect(JSON.stringify(lines)).not.toMatch(/secret-1|4000000000000002/);
    expect(lines[0].order.lines).toEqual([{ sku: 'SKU-1', token: '[REDACTED]' }]);
    expect(order).toEqual({
      lines: [{ sku: 'SKU-1', token: 'secret-1' }],
      payment: { cardNumber: '4000000000000002' },
    });
  });
});
