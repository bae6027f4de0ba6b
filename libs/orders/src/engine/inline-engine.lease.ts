import { randomUUID } from 'node:crypto';
import { ADVISORY_LOCKS, AdvisoryLease } from '@app/database';
import { Logger } from '@nestjs/common';
import type { DataSource } from 'typeorm';

/** The session that holds the inline engine's lease, as PostgreSQL reports it. */
export interface InlineEngineLeaseHolder {
  pid: number;
  applicationName: string;
  clientAddress: string | null;
  since: Date | null;
}

/** Start-up refused: another process runs the inline engine on this database. */
export class InlineEngineAlreadyRunningError extends Error {
  override readonly name = 'InlineEngineAlreadyRunningError';
  constructor(holder: InlineEngineLeaseHolder | undefined) {
    super(
      `Another process runs the inline workflow engine on this database${holder ? ` (${describeHolder(holder)})` : ''}. ` +
        'The inline engine is for a single API process: stop the other one, or run several replicas on the ' +
        'Temporal engine (set TEMPORAL_ADDRESS and run the worker), as production does.',
    );
  }
}

export interface InlineEngineLeaseOptions {
  /** How often the lease is checked, and retaken after a loss, in ms. @default 5000 */
  checkIntervalMs?: number;
  /** Called once if another process took the lease while this one had lost it; the lease is then given up. */
  onTakenOver: (holder: InlineEngineLeaseHolder) => void;
}

const APPLICATION_NAME = 'orders-inline-engine';

/** Sessions holding the lock (two-key form: objid is the second key), named by the leases of this class. */
const HOLDER_SQL = `
  SELECT a.pid, a.application_name, a.client_addr::text AS client_addr, a.backend_start
    FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
   WHERE l.locktype = 'advisory' AND l.granted AND l.objid = $1 AND l.objsubid = 2
     AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
     AND a.application_name LIKE '${APPLICATION_NAME}%'
   LIMIT 1`;

/**
 * The `inlineEngine` advisory lease: the one process that may run inline sagas on a database. Taken
 * once at start (refused when held elsewhere), then kept: a database restart drops it with its
 * connection and it is retaken at the next check. Each process names its lease session uniquely, so that
 * when the lease is not retaken, a look at `pg_locks` tells another holder from this process's own
 * session that PostgreSQL has not noticed is gone.
 */
export class InlineEngineLease {
  private readonly logger = new Logger(InlineEngineLease.name);
  private readonly applicationName = `${APPLICATION_NAME}/${randomUUID().slice(0, 8)}`;
  private readonly lease: AdvisoryLease;
  private watchdog: NodeJS.Timeout | undefined;
  private takenOver = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly options: InlineEngineLeaseOptions,
  ) {
    const url = (dataSource.options as { url?: string }).url;
    if (!url) throw new Error('the inline engine lease needs the data source to be configured with a url');
    this.lease = new AdvisoryLease({
      url,
      name: 'inlineEngine',
      applicationName: this.applicationName,
      checkIntervalMs: options.checkIntervalMs,
      onChange: (held) => this.changed(held),
    });
  }

  get held(): boolean {
    return this.lease.held;
  }

  /** Takes the lease or throws InlineEngineAlreadyRunningError (a database error when it cannot tell). */
  async acquire(): Promise<void> {
    if (!(await this.lease.tryOnce())) {
      const holder = await this.holder(); // throws when the database does not answer
      if (holder || !(await this.lease.tryOnce())) throw new InlineEngineAlreadyRunningError(holder);
    }
    this.lease.keep();
    const interval = this.options.checkIntervalMs ?? 5_000;
    this.watchdog = setInterval(() => void this.watch(), interval).unref();
  }

  async release(): Promise<void> {
    clearInterval(this.watchdog);
    await this.lease.stop();
  }

  private changed(held: boolean): void {
    if (held) this.logger.log(`holds the inline engine lease (${this.applicationName})`);
    else if (!this.takenOver)
      this.logger.warn('lost the inline engine lease with its database connection; retaking it');
  }

  /** While the lease is lost: has another process taken it? (A database still down tells nothing.) */
  private async watch(): Promise<void> {
    if (this.lease.held || this.takenOver) return;
    const holder = await this.holder().catch(() => undefined);
    if (!holder || holder.applicationName === this.applicationName || this.lease.held) return;
    this.takenOver = true;
    clearInterval(this.watchdog);
    await this.lease.stop();
    this.options.onTakenOver(holder);
  }

  private async holder(): Promise<InlineEngineLeaseHolder | undefined> {
    const rows: Array<{
      pid: number;
      application_name: string;
      client_addr: string | null;
      backend_start: Date | null;
    }> = await this.dataSource.query(HOLDER_SQL, [ADVISORY_LOCKS.inlineEngine]);
    const [row] = rows;
    return row
      ? {
          pid: row.pid,
          applicationName: row.application_name,
          clientAddress: row.client_addr,
          since: row.backend_start,
        }
      : undefined;
  }
}

function describeHolder(holder: InlineEngineLeaseHolder): string {
  const from = holder.clientAddress ? ` from ${holder.clientAddress}` : '';
  const since = holder.since ? ` since ${new Date(holder.since).toISOString()}` : '';
  return `session ${holder.applicationName}, PostgreSQL pid ${holder.pid}${from}${since}`;
}
