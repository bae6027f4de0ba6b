import { Client } from 'pg';
import type { AutovacuumRun } from './table-hygiene-cluster';

/**
 * The tables the order flow writes, the updated ones first: every order is updated five times, its payment
 * once or twice, each product's stock row once per order line, each webhook delivery twice; the status
 * count deltas are inserted by the order triggers and deleted by the fold every 10 s. The insert-only
 * tables are there to compare.
 */
export const HOT_TABLES = [
  'orders',
  'payments',
  'products',
  'inventory_reservations',
  'webhook_deliveries',
  'order_saga_steps',
  'order_status_count_deltas',
  'order_status_counts',
  'shipments',
  'order_lines',
  'order_status_history',
  'webhook_events',
] as const;

/** Below this many live rows a dead / live ratio says nothing (a counter row updated a thousand times). */
const MIN_LIVE_FOR_RATIO = 100;

/** One table's counters at one moment (`pg_stat_user_tables`, `pg_class`). */
export interface TableSample {
  table: string;
  live: number;
  dead: number;
  inserted: number;
  updated: number;
  hotUpdated: number;
  deleted: number;
  autovacuums: number;
  autoanalyzes: number;
  /** `pg_class.reltuples` (0 while never counted): what the autovacuum threshold scales with. */
  reltuples: number;
  /** The table's storage parameters, `name=value`. */
  reloptions: string[];
  heapBytes: number;
  indexBytes: number;
}

/** One index at one moment (`pg_stat_user_indexes`). */
export interface IndexSample {
  table: string;
  index: string;
  scans: number;
  bytes: number;
}

/** Everything sampled at one moment, `atS` seconds after the phase's first sample. */
export interface Sample {
  atS: number;
  orders: number;
  /** Webhook deliveries waiting for the dispatcher. */
  pendingDeliveries: number;
  tables: TableSample[];
  indexes: IndexSample[];
}

/** The server-wide defaults a table's storage parameters override. */
export interface AutovacuumDefaults {
  vacuumThreshold: number;
  vacuumScaleFactor: number;
}

/**
 * Reads the counters of `HOT_TABLES` and their indexes on one connection of its own. Counters are
 * PostgreSQL's cumulative statistics: a backend publishes its own at most once a second while busy, within
 * 10 s once idle, so a sample may lag the work by that much (the last sample is taken after a quiet spell).
 */
export class StatsSampler {
  private constructor(private readonly client: Client) {}

  static async open(url: string): Promise<StatsSampler> {
    const client = new Client({ connectionString: url });
    await client.connect();
    return new StatsSampler(client);
  }

  async sample(atS: number): Promise<Sample> {
    const tables = await this.client.query<Record<string, string | string[] | null>>(
      `SELECT s.relname AS table, s.n_live_tup AS live, s.n_dead_tup AS dead, s.n_tup_ins AS inserted,
              s.n_tup_upd AS updated, s.n_tup_hot_upd AS hot_updated, s.n_tup_del AS deleted,
              s.autovacuum_count AS autovacuums, s.autoanalyze_count AS autoanalyzes,
              greatest(c.reltuples, 0) AS reltuples, coalesce(c.reloptions, '{}') AS reloptions,
              pg_relation_size(c.oid) AS heap_bytes, pg_indexes_size(c.oid) AS index_bytes
         FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
        WHERE s.relname = ANY ($1) AND s.schemaname = 'public'`,
      [HOT_TABLES],
    );
    const indexes = await this.client.query<{ table: string; index: string; scans: string; bytes: string }>(
      `SELECT relname AS table, indexrelname AS index, idx_scan AS scans, pg_relation_size(indexrelid) AS bytes
         FROM pg_stat_user_indexes WHERE relname = ANY ($1) AND schemaname = 'public'
        ORDER BY relname, indexrelname`,
      [HOT_TABLES],
    );
    const [{ n, pending }] = (
      await this.client.query<{ n: string; pending: string }>(
        `SELECT (SELECT count(*) FROM orders) AS n,
                (SELECT count(*) FROM webhook_deliveries WHERE status = 'pending') AS pending`,
      )
    ).rows;
    const num = (value: unknown) => Number(value);
    return {
      atS,
      orders: Number(n),
      pendingDeliveries: Number(pending),
      tables: tables.rows
        .map((r) => ({
          table: String(r.table),
          live: num(r.live),
          dead: num(r.dead),
          inserted: num(r.inserted),
          updated: num(r.updated),
          hotUpdated: num(r.hot_updated),
          deleted: num(r.deleted),
          autovacuums: num(r.autovacuums),
          autoanalyzes: num(r.autoanalyzes),
          reltuples: num(r.reltuples),
          reloptions: (r.reloptions as string[]) ?? [],
          heapBytes: num(r.heap_bytes),
          indexBytes: num(r.index_bytes),
        }))
        .sort((a, b) => HOT_TABLES.indexOf(a.table as never) - HOT_TABLES.indexOf(b.table as never)),
      indexes: indexes.rows.map((r) => ({
        table: r.table,
        index: r.index,
        scans: Number(r.scans),
        bytes: Number(r.bytes),
      })),
    };
  }

  /** The server's thresholds (`autovacuum_vacuum_threshold`, `autovacuum_vacuum_scale_factor`). */
  async defaults(): Promise<AutovacuumDefaults> {
    const { rows } = await this.client.query<{ name: string; setting: string }>(
      `SELECT name, setting FROM pg_settings
        WHERE name IN ('autovacuum_vacuum_threshold', 'autovacuum_vacuum_scale_factor')`,
    );
    const setting = (name: string) => Number(rows.find((r) => r.name === name)?.setting);
    return {
      vacuumThreshold: setting('autovacuum_vacuum_threshold'),
      vacuumScaleFactor: setting('autovacuum_vacuum_scale_factor'),
    };
  }

  async close(): Promise<void> {
    await this.client.end();
  }
}

/** What one table went through in a phase: the first sample against the last, and the peaks between. */
export interface TableHygiene {
  table: string;
  reloptions: string[];
  inserted: number;
  updated: number;
  hotUpdated: number;
  /** HOT updates / updates, in %; null without updates. */
  hotPercent: number | null;
  deleted: number;
  liveAtEnd: number;
  deadAtEnd: number;
  peakDead: number;
  /** The highest dead / live ratio of any sample with 100 live rows or more, in %; null when there were none. */
  peakDeadPercent: number | null;
  /**
   * The longest time (s) the dead tuples stayed above the table's vacuum trigger (threshold + scale factor ×
   * reltuples) without a vacuum: how long a due autovacuum waited.
   */
  longestDueS: number;
  /** Dead tuples that trigger a vacuum at the end: threshold + scale factor × reltuples. */
  triggerAtEnd: number;
  autovacuums: number;
  autoanalyzes: number;
  /** Each autovacuum the log shows: seconds after the first sample, what it removed, what it left. */
  vacuums: Array<{ atS: number } & Omit<AutovacuumRun, 'at' | 'table'>>;
  heapBytes: { start: number; end: number };
  indexBytes: { start: number; end: number };
}

/** One index over a phase: its size at the start and at the end, and the scans that read it. */
export interface IndexHygiene {
  table: string;
  index: string;
  bytes: { start: number; end: number };
  scans: number;
}

/** The effective vacuum threshold and scale factor of a table: its storage parameters, else the server's. */
export function vacuumSettings(
  reloptions: string[],
  defaults: AutovacuumDefaults,
): { threshold: number; scaleFactor: number } {
  const option = (name: string) => {
    const found = reloptions.find((o) => o.startsWith(`${name}=`));
    return found === undefined ? undefined : Number(found.slice(name.length + 1));
  };
  return {
    threshold: option('autovacuum_vacuum_threshold') ?? defaults.vacuumThreshold,
    scaleFactor: option('autovacuum_vacuum_scale_factor') ?? defaults.vacuumScaleFactor,
  };
}

/** Each hot table's figures over `samples` (the first is the baseline). */
export function tableHygiene(
  samples: Sample[],
  defaults: AutovacuumDefaults,
  runs: AutovacuumRun[],
  startedAt: Date,
): TableHygiene[] {
  const [first, last] = [samples[0], samples.at(-1)!];
  return last.tables.map((end) => {
    const start = first.tables.find((t) => t.table === end.table) ?? { ...end, ...zeroCounters };
    const series = samples.map((s) => ({
      atS: s.atS,
      table: s.tables.find((t) => t.table === end.table),
    }));
    const { threshold, scaleFactor } = vacuumSettings(end.reloptions, defaults);
    let longestDueS = 0;
    let dueSince: number | undefined;
    let vacuumsSeen = start.autovacuums;
    for (const { atS, table } of series) {
      if (!table) continue;
      if (table.autovacuums > vacuumsSeen) {
        vacuumsSeen = table.autovacuums;
        dueSince = undefined;
      }
      const due = table.dead > threshold + scaleFactor * table.reltuples;
      if (due && dueSince === undefined) dueSince = atS;
      if (!due) dueSince = undefined;
      if (dueSince !== undefined) longestDueS = Math.max(longestDueS, atS - dueSince);
    }
    const ratios = series
      .map(({ table }) => table)
      .filter((t): t is TableSample => t !== undefined && t.live >= MIN_LIVE_FOR_RATIO)
      .map((t) => (100 * t.dead) / t.live);
    const updated = end.updated - start.updated;
    const hotUpdated = end.hotUpdated - start.hotUpdated;
    return {
      table: end.table,
      reloptions: end.reloptions,
      inserted: end.inserted - start.inserted,
      updated,
      hotUpdated,
      hotPercent: updated > 0 ? (100 * hotUpdated) / updated : null,
      deleted: end.deleted - start.deleted,
      liveAtEnd: end.live,
      deadAtEnd: end.dead,
      peakDead: Math.max(...series.map(({ table }) => table?.dead ?? 0)),
      peakDeadPercent: ratios.length > 0 ? Math.max(...ratios) : null,
      longestDueS,
      triggerAtEnd: Math.round(threshold + scaleFactor * end.reltuples),
      autovacuums: end.autovacuums - start.autovacuums,
      autoanalyzes: end.autoanalyzes - start.autoanalyzes,
      vacuums: runs
        .filter((r) => r.table === end.table)
        .map(({ at, table: _table, ...run }) => ({
          atS: Math.round((at.getTime() - startedAt.getTime()) / 1000),
          ...run,
        })),
      heapBytes: { start: start.heapBytes, end: end.heapBytes },
      indexBytes: { start: start.indexBytes, end: end.indexBytes },
    };
  });
}

/** Each index of the hot tables: size at the first and the last sample, scans between. */
export function indexHygiene(samples: Sample[]): IndexHygiene[] {
  const [first, last] = [samples[0], samples.at(-1)!];
  return last.indexes.map((end) => {
    const start = first.indexes.find((i) => i.index === end.index) ?? { ...end, scans: 0, bytes: 0 };
    return {
      table: end.table,
      index: end.index,
      bytes: { start: start.bytes, end: end.bytes },
      scans: end.scans - start.scans,
    };
  });
}

const zeroCounters = {
  live: 0,
  dead: 0,
  inserted: 0,
  updated: 0,
  hotUpdated: 0,
  deleted: 0,
  autovacuums: 0,
  autoanalyzes: 0,
  heapBytes: 0,
  indexBytes: 0,
};
