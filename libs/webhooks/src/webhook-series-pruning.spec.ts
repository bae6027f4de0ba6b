import { Counter, register } from 'prom-client';
import type { DataSource } from 'typeorm';
import { WebhookSeriesPruning } from './webhook-series-pruning';
import { WEBHOOK_METRICS } from './webhook-telemetry.names';

describe('WebhookSeriesPruning', () => {
  const [kept, deleted, registeredMeanwhile] = [
    '00000000-0000-4000-8000-000000000001',
    '00000000-0000-4000-8000-000000000002',
    '00000000-0000-4000-8000-000000000003',
  ];
  const events = new Counter({ name: WEBHOOK_METRICS.events, help: 'h', labelNames: ['endpoint'] });
  const query = jest.fn();
  const pruning = new WebhookSeriesPruning({ query } as unknown as DataSource, {});
  const labelled = async () => (await events.get()).values.map((v) => v.labels.endpoint).sort() as string[];

  beforeEach(() => {
    events.reset();
    query.mockReset();
  });
  afterAll(() => register.clear());

  it('asks nothing of the database while the process holds no webhook series', async () => {
    expect(await pruning.prune()).toBe(0);
    expect(query).not.toHaveBeenCalled();
  });

  it('removes the series of endpoints that no longer exist, and keeps one registered during the check', async () => {
    events.labels(kept).inc();
    events.labels(deleted).inc(3);
    query.mockImplementation(async (_sql: string, [ids]: [string[]]) => {
      expect([...ids].sort()).toEqual([kept, deleted]);
      events.labels(registeredMeanwhile).inc(); // its row is not in this answer
      return [{ id: kept }];
    });
    expect(await pruning.prune()).toBe(1);
    expect(await labelled()).toEqual([kept, registeredMeanwhile]);
  });

  it('leaves every series when all endpoints exist', async () => {
    events.labels(kept).inc();
    query.mockResolvedValue([{ id: kept }]);
    expect(await pruning.prune()).toBe(0);
    expect(await labelled()).toEqual([kept]);
  });
});
