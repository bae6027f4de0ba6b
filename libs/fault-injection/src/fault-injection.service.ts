import { InjectMetric, type Gauge } from '@app/observability';
import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { DatabaseLatencySubscriber } from './database-latency.subscriber';
import { FAULT_INJECTION_OPTIONS, type FaultInjectionOptions } from './fault-injection.options';
import { FAULT_METRICS } from './fault-injection.metrics';
import { FAULT_OVERRIDES_ROW, FaultOverridesEntity } from './fault-overrides.entity';
import {
  activeFaults,
  applyOverrides,
  FAULT_NAMES,
  sanitizeOverrides,
  type FaultName,
  type FaultOverrides,
  type FaultSettings,
} from './fault-settings';

/** What is injected, and why: the configuration, the operator's overrides and the result. */
export interface FaultInjectionState {
  /** From the environment (PAYMENT_SIM_*, CARRIER_SIM_*, DATABASE_FAULT_*). */
  configured: FaultSettings;
  /** Switched on at run time; empty when none are set or they expired. */
  overrides: FaultOverrides;
  /** In force: `overrides` on top of `configured`. */
  effective: FaultSettings;
  active: FaultName[];
  /** When the overrides lapse by themselves; null when they last until cleared. */
  expiresAt: string | null;
  updatedAt: string | null;
}

interface StoredOverrides {
  overrides: FaultOverrides;
  expiresAt: Date | null;
  updatedAt: Date | null;
}

const NONE: StoredOverrides = { overrides: {}, expiresAt: null, updatedAt: null };

/**
 * Fault injection for the simulated payment provider, the simulated carrier and the database. Overrides
 * live in one database row: the process that receives the operator's request applies them at once, every
 * other process (API replicas, workers) picks them up at its next refresh.
 */
@Injectable()
export class FaultInjectionService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('FaultInjection');
  private stored: StoredOverrides = NONE;
  private applied = '';
  private timer?: NodeJS.Timeout;

  constructor(
    @Inject(FAULT_INJECTION_OPTIONS) private readonly options: FaultInjectionOptions,
    @InjectRepository(FaultOverridesEntity) private readonly rows: Repository<FaultOverridesEntity>,
    private readonly database: DatabaseLatencySubscriber,
    @InjectMetric(FAULT_METRICS.active) private readonly activeGauge: Gauge<'fault'>,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.options.refreshIntervalMs);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  state(now = new Date()): FaultInjectionState {
    const { overrides, expiresAt, updatedAt } = this.current(now);
    const effective = applyOverrides(this.options.baseline, overrides);
    return {
      configured: this.options.baseline,
      overrides,
      effective,
      active: activeFaults(effective),
      expiresAt: expiresAt?.toISOString() ?? null,
      updatedAt: updatedAt?.toISOString() ?? null,
    };
  }

  /** Replaces the run-time overrides (all processes); `durationSeconds` makes them lapse by themselves. */
  async set(overrides: FaultOverrides, durationSeconds?: number): Promise<FaultInjectionState> {
    const clean = sanitizeOverrides(overrides);
    const now = new Date();
    const expiresAt = durationSeconds ? new Date(now.getTime() + durationSeconds * 1000) : null;
    await this.rows.query(
      `INSERT INTO fault_injection_overrides (id, overrides, expires_at, updated_at)
       VALUES ($1, $2, $3, $4)
       ON CONFLICT (id) DO UPDATE
         SET overrides = EXCLUDED.overrides, expires_at = EXCLUDED.expires_at, updated_at = EXCLUDED.updated_at`,
      [FAULT_OVERRIDES_ROW, JSON.stringify(clean), expiresAt, now],
    );
    this.stored = { overrides: clean, expiresAt, updatedAt: now };
    this.apply();
    return this.state();
  }

  /** Back to the configured settings (all processes). */
  async clear(): Promise<FaultInjectionState> {
    await this.rows.delete({ id: FAULT_OVERRIDES_ROW });
    this.stored = NONE;
    this.apply();
    return this.state();
  }

  /** Reads the shared overrides; a failed read keeps the last known ones (the database may be down). */
  async refresh(): Promise<void> {
    try {
      const row = await this.rows.findOneBy({ id: FAULT_OVERRIDES_ROW });
      this.stored = row
        ? { overrides: sanitizeOverrides(row.overrides), expiresAt: row.expiresAt, updatedAt: row.updatedAt }
        : NONE;
    } catch (error) {
      this.logger.debug(`Could not read fault overrides: ${(error as Error).message}`);
    }
    this.apply();
  }

  private current(now: Date): StoredOverrides {
    const { expiresAt } = this.stored;
    return expiresAt && expiresAt.getTime() <= now.getTime() ? NONE : this.stored;
  }

  /** Pushes the settings in force to the simulators and the database when they changed. */
  private apply(): void {
    const state = this.state();
    const { effective } = state;
    for (const fault of FAULT_NAMES) this.activeGauge.set({ fault }, state.active.includes(fault) ? 1 : 0);

    const summary = JSON.stringify(effective);
    if (summary === this.applied) return;
    const first = this.applied === '';
    this.applied = summary;
    this.options.targets?.payment?.configure(effective.payment);
    this.options.targets?.carrier?.configure(effective.carrier);
    this.database.configure(effective.database);
    if (state.active.length > 0) {
      this.logger.warn(`Fault injection active: ${state.active.join(', ')} (${summary})`);
    } else if (!first) {
      this.logger.log('Fault injection cleared: every dependency behaves normally');
    }
  }
}
