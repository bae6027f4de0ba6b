import Mock from '@elastic/elasticsearch-mock';
import pino from 'pino';
import { ecsLoggerOptions } from './logger.options';
import { resolveObservabilityOptions } from '../observability.options';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- plain-JS transport, loaded by path in production
const buildTransport = require('./elasticsearch.transport.js') as (
  options: Record<string, unknown>,
  deps: { emit: (name: string, payload: FailureReport) => void },
) => NodeJS.WritableStream & NodeJS.EventEmitter;

interface FailureReport {
  rejected: number;
  lost: number;
  dropped: number;
  bulkErrors: number;
  lastError?: string;
}

interface BulkDocument {
  index: string;
  doc: Record<string, unknown>;
}

/**
 * The shipping transport in-process against an Elasticsearch test double (@elastic/elasticsearch-mock):
 * no Elasticsearch server can run here, and a mock connection cannot cross into pino's worker thread.
 */
describe('Elasticsearch log shipping (Elasticsearch test double: @elastic/elasticsearch-mock)', () => {
  function start(reject: (doc: Record<string, unknown>) => boolean = () => false) {
    const mock = new Mock();
    const indexed: BulkDocument[] = [];
    mock.add({ method: 'POST', path: '/_bulk' }, (pattern) => {
      const params = pattern as unknown as { body: Array<Record<string, any>> };
      const items = [];
      for (let i = 0; i < params.body.length; i += 2) {
        const doc = params.body[i + 1];
        const action = params.body[i].create ?? params.body[i].index;
        indexed.push({ index: action._index, doc });
        items.push(
          reject(doc)
            ? { create: { status: 400, error: { type: 'mapper_parsing_exception' } } }
            : { create: { status: 201 } },
        );
      }
      return { errors: items.some((item) => item.create.status >= 400), items };
    });
    const reports: FailureReport[] = [];
    const transport = buildTransport(
      {
        node: 'http://localhost:9200',
        Connection: mock.getConnection(),
        index: 'orders-logs',
        opType: 'create',
        esVersion: 8,
        flushBytes: 1,
        flushInterval: 50,
        reportIntervalMs: 50,
      },
      { emit: (_name, payload) => reports.push(payload) },
    );
    const logger = pino(
      ecsLoggerOptions(resolveObservabilityOptions({ serviceName: 'orders-api' })),
      transport,
    );
    const finish = () =>
      new Promise<void>((resolve) => {
        transport.on('close', () => resolve());
        transport.end();
      });
    return { indexed, reports, logger, finish };
  }

  it('bulk-creates ECS lines in the logs data stream', async () => {
    const { indexed, reports, logger, finish } = start();
    logger.info({ 'order.id': 'o-1' }, 'order created');
    logger.warn('carrier slow');
    await new Promise((resolve) => setTimeout(resolve, 300));
    await finish();

    expect(indexed.map((d) => d.index)).toEqual(['orders-logs', 'orders-logs']);
    expect(indexed[0].doc).toMatchObject({
      message: 'order created',
      'order.id': 'o-1',
      'service.name': 'orders-api',
      'log.level': 'info',
    });
    expect(indexed[1].doc).toMatchObject({ message: 'carrier slow', 'log.level': 'warn' });
    expect(reports).toEqual([]);
  });

  it('counts documents Elasticsearch rejects and reports them to the main thread', async () => {
    const { indexed, reports, logger, finish } = start((doc) => doc.bad === true);
    logger.info({ bad: true }, 'rejected by the mapping');
    logger.info('accepted');
    await new Promise((resolve) => setTimeout(resolve, 300));
    await finish();

    expect(indexed).toHaveLength(2);
    const rejected = reports.reduce((sum, r) => sum + r.rejected, 0);
    expect(rejected).toBe(1);
    expect(reports.find((r) => r.rejected > 0)?.lastError).toContain('mapper_parsing_exception');
  });
});
