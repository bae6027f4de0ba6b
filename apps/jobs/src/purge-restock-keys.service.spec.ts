import type { RestockService } from '@app/inventory';
import { PurgeRestockKeysService } from './purge-restock-keys.service';
import { useInMemoryTracing } from '../../../test/support/in-memory-tracing';

describe('PurgeRestockKeysService (in-memory span exporter, an in-memory key store)', () => {
  const exporter = useInMemoryTracing();

  /** `expired` keys to delete; each call deletes up to its batch size and records the size it was asked for. */
  function service(expired: number) {
    let left = expired;
    const batches: number[] = [];
    const restocks = {
      purgeExpiredKeys: async (batchSize: number) => {
        batches.push(batchSize);
        const deleted = Math.min(left, batchSize);
        left -= deleted;
        return deleted;
      },
    } as unknown as RestockService;
    return { purge: new PurgeRestockKeysService(restocks), batches, left: () => left };
  }

  it.each([
    [2003, 1000, { purged: 2003, batches: 3 }],
    [2000, 1000, { purged: 2000, batches: 3 }], // the last, empty batch tells that nothing is left
    [0, 1000, { purged: 0, batches: 1 }],
    [5, 1, { purged: 5, batches: 6 }],
  ])(
    'deletes %d expired keys in batches of %d until a batch comes back short',
    async (expired, size, result) => {
      const { purge, batches, left } = service(expired);

      await expect(purge.run({ batchSize: size })).resolves.toEqual(result);
      expect(left()).toBe(0);
      expect(batches).toEqual(Array(result.batches).fill(size));
    },
  );

  it('records one inventory.restock_keys.purge span with its batch size and its outcome', async () => {
    await service(3).purge.run({ batchSize: 2 });

    const spans = exporter.getFinishedSpans();
    expect(spans.map((span) => span.name)).toEqual(['inventory.restock_keys.purge']);
    expect(spans[0].attributes).toEqual({
      'restock_keys.batch_size': 2,
      'restock_keys.purged': 3,
      'restock_keys.batches': 2,
    });
  });
});
