import { Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntitySubscriberInterface } from 'typeorm';
import { DATABASE_FAULT_DEFAULTS, type DatabaseFaultSettings } from './fault-settings';

/**
 * Makes SQL statements slow: TypeORM awaits a subscriber's `beforeQuery` after the connection is taken
 * from the pool and before the statement is sent, so an affected statement holds its connection for
 * `latencyMs` longer — as with an overloaded database — and `db_query_duration_seconds`, pool waiting
 * and request latency all show it.
 */
@Injectable()
export class DatabaseLatencySubscriber implements EntitySubscriberInterface, OnModuleInit {
  private settings: DatabaseFaultSettings = { ...DATABASE_FAULT_DEFAULTS };
  random: () => number = Math.random;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  onModuleInit(): void {
    this.dataSource.subscribers.push(this);
  }

  configure(settings: DatabaseFaultSettings): void {
    this.settings = { ...settings };
  }

  beforeQuery(): Promise<void> | void {
    const { latencyMs, ratio } = this.settings;
    if (latencyMs <= 0 || this.random() >= ratio) return;
    // TypeORM awaits only results that are `instanceof Promise` of its own realm: build the promise here
    // (node:timers/promises hands out promises of Node's core realm, which differs under test runners).
    return new Promise((resolve) => setTimeout(resolve, latencyMs));
  }
}
