import type { WebhookPurgeCursor, WebhookRetention, WebhookRetentionPolicy } from '@app/webhooks';
import { PurgeWebhookDataService, type WebhookDataPurgeOptions } from './purge-webhook-data.service';
import { useInMemoryTracing } from '../../../test/support/in-memory-tracing';

describe('PurgeWebhookDataService (in-memory span exporter, an in-memory retention)', () => {
  const exporter = useInMemoryTracing();
  const policy: WebhookRetentionPolicy = { deliveredDays: 30, deadDays: 90 };
  afterEach(() => jest.useRealTimers());

  /**
   * `deliveries` purgeable deliveries (each with an event of its own) and `orphans` events without any
   * delivery among `events` old events, seqs 1…; each batch takes `msPerBatch` of the (fake) clock.
   */
  function retention({ deliveries = 0, events = 0, orphans = [] as number[], msPerBatch = 0 }) {
    let left = deliveries;
    const orphanSet = new Set(orphans);
    const calls: string[] = [];
    const work = () => msPerBatch > 0 && jest.advanceTimersByTime(msPerBatch);
    const fake = {
      purgeBatch: async (given: WebhookRetentionPolicy, batchSize: number, from: WebhookPurgeCursor) => {
        expect(given).toBe(policy);
        // Each batch starts where the one before stopped; the first from the oldest.
        calls.push(`purge ${batchSize} from ${from.deliveredAt ?? 'oldest'}`);
        work();
        const deleted = Math.min(left, batchSize);
        left -= deleted;
        return {
          deliveries: deleted,
          events: deleted,
          next: { deliveredAt: `t${deliveries - left}`, deadAt: null },
        };
      },
      sweepEventsBatch: async (_given: WebhookRetentionPolicy, afterSeq: string, batchSize: number) => {
        calls.push(`sweep ${afterSeq}`);
        work();
        const seqs = Array.from({ length: events }, (_, i) => i + 1).filter((seq) => seq > Number(afterSeq));
        const examined = seqs.slice(0, batchSize);
        const deleted = examined.filter((seq) => orphanSet.delete(seq)).length;
        return {
          events: deleted,
          lastSeq: examined.length ? String(examined.at(-1)) : null,
          done: examined.length < batchSize,
        };
      },
      overdue: async (_given: WebhookRetentionPolicy, sweptAfter: string | null) => ({
        deliveries: left > 0 ? 86_400 : 0,
        events: sweptAfter === null ? 0 : 3_600,
      }),
    } as unknown as WebhookRetention;
    return { purge: new PurgeWebhookDataService(fake), calls, left: () => left, orphansLeft: orphanSet };
  }

  const options = (batchSize: number, maxSeconds = 120): WebhookDataPurgeOptions => ({
    policy,
    batchSize,
    maxSeconds,
  });

  it('purges deliveries until a batch comes back short, then sweeps events without deliveries to the end', async () => {
    jest.useFakeTimers();
    const { purge, calls, left, orphansLeft } = retention({ deliveries: 5, events: 5, orphans: [2, 5] });

    await expect(purge.run(options(2))).resolves.toEqual({
      purged: { deliveries: 5, events: 7 },
      batches: 6, // 2 + 2 + 1, then events 1–2, 3–4, 5
      caughtUp: true,
      overdueSeconds: { deliveries: 0, events: 0 },
    });
    expect(calls).toEqual([
      'purge 2 from oldest',
      'purge 2 from t2',
      'purge 2 from t4',
      'sweep 0',
      'sweep 2',
      'sweep 4',
    ]);
    expect(left()).toBe(0);
    expect(orphansLeft.size).toBe(0);
  });

  it('starts no batch once its time budget is spent, and reports how far behind it stays', async () => {
    jest.useFakeTimers();
    const { purge, calls, left } = retention({ deliveries: 10_000, events: 3, msPerBatch: 400 });

    const result = await purge.run(options(1000, 1));

    // 0 → 400 → 800 → 1200 ms: the third batch ends past the second, so no fourth starts; no sweep either.
    expect(calls).toEqual(['purge 1000 from oldest', 'purge 1000 from t1000', 'purge 1000 from t2000']);
    expect(left()).toBe(7000);
    expect(result).toEqual({
      purged: { deliveries: 3000, events: 3000 },
      batches: 3,
      caughtUp: false,
      overdueSeconds: { deliveries: 86_400, events: 3_600 },
    });
  });

  it('leaves the sweep unfinished when the budget runs out during it', async () => {
    jest.useFakeTimers();
    const { purge, calls } = retention({ deliveries: 0, events: 10, orphans: [9], msPerBatch: 600 });

    const result = await purge.run(options(2, 1));

    expect(calls).toEqual(['purge 2 from oldest', 'sweep 0']);
    expect(result).toMatchObject({ caughtUp: false, overdueSeconds: { events: 3_600 } });
  });

  it('records one webhooks.retention.purge span with its settings and its outcome', async () => {
    await retention({ deliveries: 3 }).purge.run(options(2));

    const spans = exporter.getFinishedSpans();
    expect(spans.map((span) => span.name)).toEqual(['webhooks.retention.purge']);
    expect(spans[0].attributes).toEqual({
      'webhook_retention.batch_size': 2,
      'webhook_retention.delivered_days': 30,
      'webhook_retention.dead_days': 90,
      'webhook_retention.purged_deliveries': 3,
      'webhook_retention.purged_events': 3,
      'webhook_retention.batches': 3,
      'webhook_retention.caught_up': true,
    });
  });
});
