import { Logger } from '@nestjs/common';
import { Client } from 'pg';
import type { DataSource, QueryRunner } from 'typeorm';

/**
 * PostgreSQL advisory locks the apps take, as the two-key form `pg_advisory_lock(namespace, purpose)`:
 * the first key keeps them apart from any other application's locks on the same server, the second
 * names what the lock guards. Session-level: a lock is released when its connection ends, so a process
 * that dies lets go of everything it held.
 */
export const ADVISORY_LOCK_NAMESPACE = 0x4f524452; // "ORDR"

export const ADVISORY_LOCKS = {
  /** Held while migrations run: replicas that start together run them one after another, once. */
  migrations: 1,
  /** Held by the one process that exports the gauges read from the database. */
  databaseGauges: 2,
  /** Held by the one API process that runs the inline saga engine. */
  inlineEngine: 3,
  /** Held while the kept order counts are reconciled: one reconciliation at a time, each seeing the last. */
  orderStatusCounts: 4,
} as const;

export type AdvisoryLockName = keyof typeof ADVISORY_LOCKS;

export interface AdvisoryLockOptions {
  /** Called once when another session holds the lock, before this one waits for it. */
  onWait?: () => void;
}

/**
 * Runs `work` while holding the advisory lock `name` on a connection of its own from the data source's
 * pool, waiting for whoever holds it now, for as long as they hold it. `work` receives that connection:
 * running its statements there needs no second connection from the pool (a pool of one still works).
 * The lock is released when `work` settles, or with the connection if the process dies first.
 */
export async function withAdvisoryLock<T>(
  dataSource: DataSource,
  name: AdvisoryLockName,
  work: (runner: QueryRunner) => Promise<T>,
  options: AdvisoryLockOptions = {},
): Promise<T> {
  const key = [ADVISORY_LOCK_NAMESPACE, ADVISORY_LOCKS[name]];
  const runner = dataSource.createQueryRunner();
  let held = false;
  try {
    await runner.connect();
    const [first] = (await runner.query('SELECT pg_try_advisory_lock($1, $2) AS taken', key)) as Array<{
      taken: boolean;
    }>;
    held = first?.taken === true;
    if (!held) {
      options.onWait?.();
      // The holder may take longer than a statement may: the wait alone is exempt from statement_timeout.
      await runner.query('SET statement_timeout = 0');
      try {
        await runner.query('SELECT pg_advisory_lock($1, $2)', key);
        held = true;
      } finally {
        await runner.query('RESET statement_timeout');
      }
    }
    return await work(runner);
  } finally {
    // Never back to the pool holding the lock; a lost connection has released it already.
    if (held) await runner.query('SELECT pg_advisory_unlock($1, $2)', key).catch(() => undefined);
    await runner.release();
  }
}

export interface AdvisoryLeaseOptions {
  /** PostgreSQL connection string; the lease keeps one connection of its own, outside any pool. */
  url: string;
  name: AdvisoryLockName;
  /** How often a process without the lease tries to take it, and the holder checks it still holds it. @default 5000 */
  checkIntervalMs?: number;
  /** Reported to PostgreSQL as `application_name`. @default 'orders-lease' */
  applicationName?: string;
  /** Called on every change: `true` when this process took the lease, `false` when it lost it. */
  onChange?: (held: boolean) => void;
}

/**
 * A lease on one advisory lock, for work that one process among the replicas does: the process that
 * holds it is the leader. It is taken with `pg_try_advisory_lock` on a dedicated connection and kept
 * for as long as that connection lives. When the holder dies, or its connection drops (a database
 * restart, a network cut), PostgreSQL releases the lock and another replica takes it at its next try.
 * A holder checks its connection at every interval, so it notices a lost lease within one interval.
 */
export class AdvisoryLease {
  private readonly logger = new Logger(AdvisoryLease.name);
  private client: Client | undefined;
  private timer: NodeJS.Timeout | undefined;
  private checking: Promise<void> | undefined;
  private stopped = false;
  private heldNow = false;

  constructor(private readonly options: AdvisoryLeaseOptions) {}

  /** Whether this process holds the lease now. */
  get held(): boolean {
    return this.heldNow;
  }

  /** Tries once now, then keeps trying (or checking) at every interval. Resolves after the first try. */
  async start(): Promise<boolean> {
    this.stopped = false;
    await this.check();
    this.schedule();
    return this.heldNow;
  }

  /** Tries to take the lease once, without keeping on trying: for a process that must hold it to start. */
  async tryOnce(): Promise<boolean> {
    await this.check();
    return this.heldNow;
  }

  /** Keeps trying or checking at every interval (after `tryOnce`). */
  keep(): void {
    this.stopped = false;
    this.schedule();
  }

  /** Releases the lease (by closing its connection) and stops trying. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.checking;
    const client = this.client;
    this.client = undefined;
    this.setHeld(false);
    await client?.end().catch(() => undefined);
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      void this.check().finally(() => this.schedule());
    }, this.options.checkIntervalMs ?? 5_000);
    this.timer.unref();
  }

  private check(): Promise<void> {
    this.checking ??= this.checkOnce().finally(() => {
      this.checking = undefined;
    });
    return this.checking;
  }

  private async checkOnce(): Promise<void> {
    try {
      const client = await this.connection();
      if (this.heldNow) {
        // Still the same session, so still the holder: the lock lives as long as the connection.
        await client.query('SELECT 1');
        return;
      }
      const { rows } = await client.query<{ taken: boolean }>(
        'SELECT pg_try_advisory_lock($1, $2) AS taken',
        [ADVISORY_LOCK_NAMESPACE, ADVISORY_LOCKS[this.options.name]],
      );
      this.setHeld(rows[0]?.taken === true);
    } catch (error) {
      this.drop(error);
    }
  }

  private async connection(): Promise<Client> {
    if (this.client) return this.client;
    const client = new Client({
      connectionString: this.options.url,
      application_name: this.options.applicationName ?? 'orders-lease',
      keepAlive: true,
      connectionTimeoutMillis: 5_000,
      query_timeout: 5_000,
    });
    client.on('error', (error) => this.drop(error, client));
    client.on('end', () => this.drop(undefined, client));
    await client.connect();
    if (this.stopped) {
      await client.end().catch(() => undefined);
      throw new Error('lease stopped');
    }
    this.client = client;
    return client;
  }

  /** The connection is gone or unusable: so is the lock, which PostgreSQL released with the session. */
  private drop(error: unknown, client = this.client): void {
    if (client && client === this.client) {
      this.client = undefined;
      void client.end().catch(() => undefined);
    }
    if (this.heldNow && error !== undefined) {
      const reason = error instanceof Error ? error.message : 'connection ended';
      this.logger.warn(`lost the ${this.options.name} lease with its connection: ${reason}`);
    }
    this.setHeld(false);
  }

  private setHeld(held: boolean): void {
    if (held === this.heldNow) return;
    this.heldNow = held;
    this.options.onChange?.(held);
  }
}
